package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.files.FileObject;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.BargeConfig;
import dev.barge.config.BatchConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.dispatch.Dispatcher;
import dev.barge.upstream.simulator.SimulatorServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/** Chat batches through the official OpenAI SDK against a simulated OpenAI-compatible server over HTTP. */
class ChatBatchTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  private OpenAIClient startBarge(SimulatorConfig simulator, int concurrency) {
    upstream = e2e.simulator(simulator);
    BackendConfig backend = new BackendConfig("sim-http", BackendType.OPENAI, upstream.baseUrl(), "upstream-key",
        List.of(MODEL), new LimitsConfig(null, null, concurrency), "10s", null);
    BatchConfig fastRetries = TestBarge.batch("max_attempts: 20, initial_backoff: 5ms, max_backoff: 50ms");
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(backend)).withBatch(fastRetries));
    return barge.client();
  }

  @Test
  void thousandLinesWithInjected429sAnd5xxEndWithEveryCustomIdExactlyOnce() throws Exception {
    OpenAIClient client = startBarge(new SimulatorConfig(1, 2, 0.1, 0.1, 5, null, null, 42L), 32);
    String fileId = TestBarge.upload(client, e2e.dir(), "chat.jsonl", Lines.chat(1000, MODEL));

    Batch created = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    assertThat(created.status()).isEqualTo(Batch.Status.VALIDATING);
    Batch done = TestBarge.awaitEnd(client, created.id(), Duration.ofMinutes(2));

    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    assertThat(done.model()).contains(MODEL);
    var counts = done.requestCounts().orElseThrow();
    assertThat(counts.total()).isEqualTo(1000);
    List<String> output = TestBarge.contentLines(client, done.outputFileId().orElseThrow());
    List<String> errors = done.errorFileId().map(id -> TestBarge.contentLines(client, id)).orElse(List.of());
    assertThat(output).hasSize((int) counts.completed());
    assertThat(errors).hasSize((int) counts.failed());

    List<String> customIds = new ArrayList<>();
    long promptTokens = 0;
    for (String line : output) {
      JsonNode node = JSON.readTree(line);
      customIds.add(node.get("custom_id").asText());
      assertThat(node.get("id").asText()).startsWith("batch_req_");
      assertThat(node.at("/response/status_code").asInt()).isEqualTo(200);
      assertThat(node.at("/response/body/object").asText()).isEqualTo("chat.completion");
      assertThat(node.get("error").isNull()).isTrue();
      promptTokens += node.at("/response/body/usage/prompt_tokens").asLong();
    }
    for (String line : errors) customIds.add(JSON.readTree(line).get("custom_id").asText());
    assertThat(customIds).hasSize(1000).doesNotHaveDuplicates();
    assertThat(new HashSet<>(customIds)).isEqualTo(expectedIds(1000));
    // With 20 attempts and 20% injected failures, every line gets through.
    assertThat(counts.completed()).isEqualTo(1000);
    assertThat(done.usage().orElseThrow().inputTokens()).isEqualTo(promptTokens);
    assertThat(done.usage().orElseThrow().totalTokens()).isGreaterThan(promptTokens);

    FileObject outputFile = client.files().retrieve(done.outputFileId().orElseThrow());
    assertThat(outputFile.purpose()).isEqualTo(FileObject.Purpose.BATCH_OUTPUT);
    assertThat(outputFile.filename()).isEqualTo(done.id() + "_output.jsonl");
  }

  @Test
  void smallBatchesBesideALargeOneAllComplete() {
    // Small batches run dry while a large one still queues: every slot handed to a batch that had
    // less work than its share must come back, or the backend ends up with none and stalls; no
    // dispatch round may fail on the way.
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    Logger dispatcher = (Logger) LoggerFactory.getLogger(Dispatcher.class.getPackageName()); // calls log apart
    dispatcher.addAppender(log);
    OpenAIClient client = startBarge(new SimulatorConfig(20, 5, 0.0, 0.0, null, null, null, 7L), 6);
    Map<String, Integer> sizes = new LinkedHashMap<>();
    for (int b = 0; b < 16; b++) {
      int lines = b == 0 ? 300 : 1 + b % 3;
      String fileId = TestBarge.upload(client, e2e.dir(), "batch-" + b + ".jsonl", Lines.chat(lines, MODEL));
      sizes.put(TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h").id(), lines);
    }
    sizes.forEach((id, lines) -> {
      Batch done = TestBarge.awaitEnd(client, id, Duration.ofMinutes(1));
      assertThat(done.status()).as(id).isEqualTo(Batch.Status.COMPLETED);
      assertThat(done.requestCounts().orElseThrow().completed()).isEqualTo((long) lines);
    });
    dispatcher.detachAppender(log);
    assertThat(log.list).as("dispatch errors").noneMatch(e -> e.getLevel() == Level.ERROR);
  }

  @Test
  void aSmallBatchBehindALargeOneDoesNotWaitForIt() {
    OpenAIClient client = startBarge(new SimulatorConfig(20, 0, 0.0, 0.0, null, null, null, 5L), 4);
    String large = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "large.jsonl", Lines.chat(400, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h").id();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        client.batches().retrieve(large).requestCounts().map(c -> c.completed() >= 20).orElse(false));
    String small = TestBarge.upload(client, e2e.dir(), "small.jsonl", Lines.chat(8, MODEL));
    Batch done = TestBarge.awaitEnd(client, TestBarge.create(client, small,
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h").id(), Duration.ofSeconds(30));
    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    // 400 calls of 20 ms on 4 slots take about 2 s; the small batch took its share alongside.
    assertThat(client.batches().retrieve(large).status()).isEqualTo(Batch.Status.IN_PROGRESS);
  }

  @Test
  void rejectedAndExhaustedRequestsGoToTheErrorFileWithTheBackendAnswer() throws Exception {
    // Every call fails with 500 and attempts are capped, so each line ends with the backend's last answer.
    upstream = e2e.simulator(new SimulatorConfig(0, 0, 1.0, 0.0, 0, null, null, 1L));
    BackendConfig backend = new BackendConfig("sim-http", BackendType.OPENAI, upstream.baseUrl(), null,
        List.of(MODEL, "missing-at-backend"), null, "10s", null);
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(backend))
        .withBatch(TestBarge.batch("max_attempts: 2, initial_backoff: 1ms, max_backoff: 5ms")));
    OpenAIClient client = barge.client();

    Batch done = TestBarge.awaitEnd(client, TestBarge.create(client,
        TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(5, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "1h").id(), Duration.ofSeconds(30));

    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    assertThat(done.outputFileId()).isEmpty();
    assertThat(done.requestCounts().orElseThrow().failed()).isEqualTo(5);
    for (String line : TestBarge.contentLines(client, done.errorFileId().orElseThrow())) {
      JsonNode node = JSON.readTree(line);
      assertThat(node.at("/response/status_code").asInt()).isEqualTo(500);
      assertThat(node.at("/response/body/error/type").asText()).isEqualTo("server_error");
      assertThat(node.get("error").isNull()).isTrue();
    }
  }

  @Test
  void cancelMidRunLetsInFlightCallsFinishAndCancelsTheRest() throws Exception {
    OpenAIClient client = startBarge(new SimulatorConfig(200, 0, 0.0, 0.0, 0, null, null, 1L), 2);
    String fileId = TestBarge.upload(client, e2e.dir(), "slow.jsonl", Lines.chat(60, MODEL));
    Batch created = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        client.batches().retrieve(created.id()).requestCounts().map(c -> c.completed() >= 2).orElse(false));

    Batch cancelling = client.batches().cancel(created.id());
    assertThat(cancelling.status()).isIn(Batch.Status.CANCELLING, Batch.Status.CANCELLED);
    assertThat(cancelling.cancellingAt()).isPresent();
    Batch done = TestBarge.awaitEnd(client, created.id(), Duration.ofSeconds(30));

    assertThat(done.status()).isEqualTo(Batch.Status.CANCELLED);
    var counts = done.requestCounts().orElseThrow();
    assertThat(counts.completed()).isBetween(2L, 59L);
    assertThat(counts.completed() + counts.failed()).isEqualTo(60);
    List<String> errors = TestBarge.contentLines(client, done.errorFileId().orElseThrow());
    assertThat(errors).hasSize((int) counts.failed())
        .allSatisfy(line -> assertThat(JSON.readTree(line).at("/error/code").asText()).isEqualTo("batch_cancelled"));
    assertThat(TestBarge.contentLines(client, done.outputFileId().orElseThrow())).hasSize((int) counts.completed());
  }

  @Test
  void shortWindowExpiresUnfinishedLinesAndKeepsFinishedResults() throws Exception {
    OpenAIClient client = startBarge(new SimulatorConfig(300, 0, 0.0, 0.0, 0, null, null, 1L), 2);
    String fileId = TestBarge.upload(client, e2e.dir(), "window.jsonl", Lines.chat(40, MODEL));
    Batch created = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "3s");
    assertThat(created.expiresAt()).contains(created.createdAt() + 3);

    Batch done = TestBarge.awaitEnd(client, created.id(), Duration.ofSeconds(30));

    assertThat(done.status()).isEqualTo(Batch.Status.EXPIRED);
    assertThat(done.expiredAt()).isPresent();
    var counts = done.requestCounts().orElseThrow();
    assertThat(counts.completed()).isPositive();
    assertThat(counts.completed() + counts.failed()).isEqualTo(40);
    assertThat(TestBarge.contentLines(client, done.outputFileId().orElseThrow())).hasSize((int) counts.completed());
    assertThat(TestBarge.contentLines(client, done.errorFileId().orElseThrow()))
        .hasSize((int) counts.failed())
        .allSatisfy(line -> {
          JsonNode node = JSON.readTree(line);
          assertThat(node.get("response").isNull()).isTrue();
          assertThat(node.at("/error/code").asText()).isEqualTo("batch_expired");
        });
  }

  private static Set<String> expectedIds(int n) {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < n; i++) ids.add("req-" + i);
    return ids;
  }
}
