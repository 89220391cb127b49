package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.errors.RateLimitException;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.ApiKey;
import dev.barge.config.AuthConfig;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Heavy work a project can start over the API is bounded per project: validations queue, dry runs and progress
 * streams past the limit answer 429 with retry-after, dry runs count as creations, partial pages are capped.
 */
class HeavyWorkLimitsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration AT_MOST = Duration.ofSeconds(30);

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;
  private FaultyBlobs blobs;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private OpenAIClient start(String batchYaml, AuthConfig auth) {
    e2e.closing(http::shutdownNow); // last: streams a failed test left open must not hold it up
    upstream = e2e.simulator(0);
    BargeConfig config = BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, 8))
        .withBatch(TestBarge.batch(batchYaml)).withAuth(auth);
    barge = e2e.start(config, Clock.systemUTC(), disk -> blobs = new FaultyBlobs(disk));
    e2e.closing(blobs::release); // first: a held read must not hold up Barge's close
    return barge.client("key-alice");
  }

  private OpenAIClient start(String batchYaml) {
    return start(batchYaml, new AuthConfig(List.of()));
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(barge.baseUrl + path)).timeout(AT_MOST);
  }

  private HttpRequest dryRun(String fileId) {
    return request("/batches").header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
        "{\"input_file_id\": \"" + fileId + "\", \"endpoint\": \"/v1/chat/completions\", \"completion_window\": \"24h\","
            + " \"dry_run\": true}")).build();
  }

  @Test
  void theThirdConcurrentDryRunOfAProjectAnswers429WithRetryAfter() throws Exception {
    OpenAIClient client = start("max_dry_runs_per_project: 2");
    String file = TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(5, MODEL));
    blobs.holdOpens(2); // the first two dry runs read their file slowly

    List<CompletableFuture<HttpResponse<String>>> running = new ArrayList<>();
    for (int i = 0; i < 2; i++) running.add(http.sendAsync(dryRun(file), HttpResponse.BodyHandlers.ofString()));
    Awaitility.await().atMost(AT_MOST).until(() -> blobs.opens() == 2);

    HttpResponse<String> third = http.send(dryRun(file), HttpResponse.BodyHandlers.ofString());
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.headers().firstValue("retry-after")).hasValueSatisfying(s -> assertThat(Integer.parseInt(s)).isPositive());
    assertThat(JSON.readTree(third.body()).at("/error/message").asText()).contains("max_dry_runs_per_project");

    blobs.release();
    for (CompletableFuture<HttpResponse<String>> dryRun : running) {
      HttpResponse<String> answer = dryRun.get();
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(JSON.readTree(answer.body()).get("valid").asBoolean()).isTrue();
    }
    assertThat(http.send(dryRun(file), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
  }

  @Test
  void dryRunsCountAgainstTheProjectsCreationsPerHour() throws Exception {
    OpenAIClient client = start("max_creations_per_hour: 2");
    String file = TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(5, MODEL));

    for (int i = 0; i < 2; i++) assertThat(http.send(dryRun(file), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

    assertThatThrownBy(() -> TestBarge.create(client, file, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h"))
        .isInstanceOfSatisfying(RateLimitException.class, e -> assertThat(e.getMessage()).contains("dry runs included"));
    assertThat(http.send(dryRun(file), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(429);
  }

  @Test
  void validationsPastTheProjectLimitWaitTheirTurnAndNoneIsLost() {
    OpenAIClient alice = start("max_validations_per_project: 1",
        new AuthConfig(List.of(new ApiKey("key-alice", "alice"), new ApiKey("key-bob", "bob"))));
    OpenAIClient bob = barge.client("key-bob");
    String first = TestBarge.upload(alice, e2e.dir(), "a1.jsonl", Lines.chat(3, MODEL));
    String second = TestBarge.upload(alice, e2e.dir(), "a2.jsonl", Lines.chat(4, MODEL));
    String other = TestBarge.upload(bob, e2e.dir(), "b1.jsonl", Lines.chat(2, MODEL));
    blobs.holdOpens(1); // alice's first validation reads its file slowly; the others read theirs at once

    Batch a1 = TestBarge.create(alice, first, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    Awaitility.await().atMost(AT_MOST).until(() -> blobs.opens() == 1);
    Batch a2 = TestBarge.create(alice, second, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    Batch b1 = TestBarge.create(bob, other, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");

    // Bob's batch, created after alice's second, ran to the end: alice's second was passed over, not started.
    assertThat(TestBarge.awaitEnd(bob, b1.id(), AT_MOST).status()).isEqualTo(Batch.Status.COMPLETED);
    assertThat(blobs.opens()).as("inputs opened: alice's first and bob's").isEqualTo(2);
    assertThat(alice.batches().retrieve(a2.id()).status()).isEqualTo(Batch.Status.VALIDATING);

    blobs.release();
    assertThat(TestBarge.awaitEnd(alice, a1.id(), AT_MOST).requestCounts().orElseThrow().completed()).isEqualTo(3);
    assertThat(TestBarge.awaitEnd(alice, a2.id(), AT_MOST).requestCounts().orElseThrow().completed()).isEqualTo(4);
  }

  @Test
  void theThirdProgressStreamOfAProjectAnswers429WithRetryAfter() throws Exception {
    OpenAIClient client = start("max_event_streams_per_project: 2");
    String file = TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(3, MODEL));
    blobs.holdOpens(1); // the batch stays validating while the streams watch it
    Batch batch = TestBarge.create(client, file, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    HttpRequest events = request("/batches/" + batch.id() + "/events").build();

    List<BufferedReader> streams = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      HttpResponse<InputStream> stream = http.send(events, HttpResponse.BodyHandlers.ofInputStream());
      assertThat(stream.statusCode()).isEqualTo(200);
      streams.add(new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8)));
      assertThat(streams.getLast().readLine()).isEqualTo("event: progress");
    }

    HttpResponse<InputStream> third = http.send(events, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.headers().firstValue("retry-after")).isPresent();
    assertThat(JSON.readTree(third.body()).at("/error/message").asText()).contains("max_event_streams_per_project");

    blobs.release();
    for (BufferedReader stream : streams) {
      try (stream) {
        assertThat(stream.lines().filter(l -> l.startsWith("event: ")).toList()).last().isEqualTo("event: end");
      }
    }
    // Ended streams gave their places back.
    assertThat(http.send(events, HttpResponse.BodyHandlers.ofString()).body()).startsWith("event: end");
  }

  @Test
  void aPageOfPartialResultsHoldsAtMost1000Lines() throws Exception {
    OpenAIClient client = start("");
    Batch batch = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(3, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    TestBarge.awaitEnd(client, batch.id(), AT_MOST);

    HttpResponse<String> tooMany = http.send(request("/batches/" + batch.id() + "/partial?limit=10000").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(tooMany.statusCode()).isEqualTo(400);
    JsonNode error = JSON.readTree(tooMany.body()).get("error");
    assertThat(error.get("param").asText()).isEqualTo("limit");
    assertThat(error.get("message").asText()).contains("1000");
    HttpResponse<String> page = http.send(request("/batches/" + batch.id() + "/partial?limit=1000").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body().lines()).hasSize(3);
  }
}
