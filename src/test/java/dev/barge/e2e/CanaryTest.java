package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.LimitsConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A large batch runs a sample first; a broken one stops there, a healthy one goes on without resending it. */
class CanaryTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  /** The server's default canary for batches of more than 50 lines: 10 lines, at most half failing. */
  private OpenAIClient start(Set<String> modelsTheUpstreamKnows) {
    upstream = SimulatorServer.start("127.0.0.1", 0, new SimulatorConfig(5, 0, 0.0, 0.0, null, null, null, 1L),
        modelsTheUpstreamKnows);
    barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, 4))
        .withBatch(TestBarge.batch("canary: {above_lines: 50, size: 10, max_failure_rate: 0.5}")));
    return barge.client();
  }

  private static long sent(SimulatorServer upstream) {
    return upstream.answersByStatus().values().stream().mapToLong(Long::longValue).sum();
  }

  @Test
  void aBatchTheUpstreamRejectsStopsAfterItsSample() throws Exception {
    OpenAIClient client = start(Set.of("another-model")); // every request: 404 model not found
    Batch batch = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(80, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    Batch done = TestBarge.awaitEnd(client, batch.id(), Duration.ofSeconds(30));

    assertThat(done.status()).isEqualTo(Batch.Status.FAILED);
    assertThat(done.errors().orElseThrow().data().orElseThrow().getFirst().code()).contains("canary_failed");
    assertThat(sent(upstream)).isEqualTo(10);
    assertThat(done.requestCounts().orElseThrow().failed()).isEqualTo(80);
    List<String> codes = new ArrayList<>();
    for (String line : TestBarge.contentLines(client, done.errorFileId().orElseThrow())) {
      JsonNode result = JSON.readTree(line);
      codes.add(result.path("response").path("status_code").asInt() == 404 ? "404" : result.at("/error/code").asText());
    }
    assertThat(codes).hasSize(80).containsOnly("404", "canary_failed");
    assertThat(codes.stream().filter("404"::equals)).hasSize(10);
    assertThat(barge.getJson("/batches/" + batch.id()).at("/barge/canary/state").asText()).isEqualTo("failed");
  }

  @Test
  void aHealthyBatchPassesItsCanaryAndSendsEachLineOnce() throws Exception {
    OpenAIClient client = start(Set.of());
    Batch batch = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(80, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    Batch done = TestBarge.awaitEnd(client, batch.id(), Duration.ofSeconds(30));

    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    assertThat(done.requestCounts().orElseThrow().completed()).isEqualTo(80);
    assertThat(sent(upstream)).isEqualTo(80);
    Set<String> ids = new HashSet<>();
    for (String line : TestBarge.contentLines(client, done.outputFileId().orElseThrow())) {
      ids.add(JSON.readTree(line).get("custom_id").asText());
    }
    assertThat(ids).hasSize(80);
    JsonNode canary = barge.getJson("/batches/" + batch.id()).at("/barge/canary");
    assertThat(canary.get("state").asText()).isEqualTo("passed");
    assertThat(canary.get("size").asInt()).isEqualTo(10);
  }

  @Test
  void aBatchMayTurnItsCanaryOffOrAskForOne() {
    OpenAIClient client = start(Set.of("another-model"));
    String fileId = TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(80, MODEL));
    Batch off = client.batches().create(BatchCreateParams.builder().inputFileId(fileId)
        .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS).completionWindow(BatchCreateParams.CompletionWindow._24H)
        .putAdditionalBodyProperty("canary", JsonValue.from(false)).build());
    assertThat(TestBarge.awaitEnd(client, off.id(), Duration.ofSeconds(30)).status()).isEqualTo(Batch.Status.COMPLETED);
    assertThat(sent(upstream)).isEqualTo(80);

    String small = TestBarge.upload(client, e2e.dir(), "small.jsonl", Lines.chat(20, MODEL));
    Batch asked = client.batches().create(BatchCreateParams.builder().inputFileId(small)
        .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS).completionWindow(BatchCreateParams.CompletionWindow._24H)
        .putAdditionalBodyProperty("canary", JsonValue.from(Map.of("size", 4, "max_failure_rate", 0.25))).build());
    Batch failed = TestBarge.awaitEnd(client, asked.id(), Duration.ofSeconds(30));
    assertThat(failed.status()).isEqualTo(Batch.Status.FAILED);
    assertThat(sent(upstream)).isEqualTo(84);
  }
}
