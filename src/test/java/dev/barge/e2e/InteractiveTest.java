package dev.barge.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.ChatModel;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.config.ServerConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The synchronous endpoints, proxied to the backends ahead of batch work, driven by the official SDK. */
class InteractiveTest {
  private static final String MODEL = "sim-chat";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dir;
  private SimulatorServer upstream;
  private TestBarge barge;

  @AfterEach
  void stop() {
    if (barge != null) barge.close();
    if (upstream != null) upstream.close();
  }

  private OpenAIClient start(int latencyMs, int concurrency) {
    upstream = TestBarge.simulator(latencyMs);
    BackendConfig backend = TestBarge.simulatorBackend(upstream, MODEL, new LimitsConfig(null, null, concurrency));
    barge = TestBarge.start(BargeConfig.embeddedDefault().withBackends(List.of(backend)), dir.resolve("data"));
    return barge.client();
  }

  private static ChatCompletionCreateParams hello() {
    return ChatCompletionCreateParams.builder().model(ChatModel.of(MODEL)).addUserMessage("Say hello").maxCompletionTokens(16).build();
  }

  @Test
  void aChatCompletionIsAnsweredByTheBackend() {
    OpenAIClient client = start(0, 4);
    ChatCompletion answer = client.chat().completions().create(hello());
    assertThat(answer.choices()).hasSize(1);
    assertThat(answer.choices().getFirst().message().content()).isPresent();
    assertThat(answer.model()).isEqualTo(MODEL);
    assertThat(answer.usage().orElseThrow().promptTokens()).isPositive();
  }

  @Test
  void anUnknownModelIs404AndStreamingIs400() throws Exception {
    start(0, 4);
    HttpResponse<String> unknown = post("{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(unknown.body()).at("/error/code").asText()).isEqualTo("model_not_found");
    HttpResponse<String> streaming = post("{\"model\":\"" + MODEL + "\",\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(streaming.statusCode()).isEqualTo(400);
    JsonNode error = JSON.readTree(streaming.body()).get("error");
    assertThat(error.get("param").asText()).isEqualTo("stream");
    assertThat(post("not json").statusCode()).isEqualTo(400);
  }

  @Test
  void anInteractiveRequestDoesNotQueueBehindABatch() {
    // Two slots, 200 ms per call: the batch's 100 lines keep both busy for about 10 s.
    OpenAIClient client = start(200, 2);
    String batchId = TestBarge.create(client, TestBarge.upload(client, dir, "in.jsonl", Lines.chat(100, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h").id();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        client.batches().retrieve(batchId).requestCounts().map(c -> c.completed() >= 4).orElse(false));

    long start = System.nanoTime();
    client.chat().completions().create(hello());
    double seconds = (System.nanoTime() - start) / 1e9;

    // At most one batch call's time to free a slot, then its own call: well under the batch's queue.
    assertThat(seconds).isLessThan(2.0);
    assertThat(client.batches().retrieve(batchId).status()).isEqualTo(Batch.Status.IN_PROGRESS);
  }

  private HttpResponse<String> post(String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(barge.baseUrl + "/chat/completions"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aFlexRequestWaitsBehindAndIsTurnedAwayWith429WhenNothingComesFree() throws Exception {
    // One slot, 1 s per call, a batch keeping it busy; flex waits at most 100 ms.
    upstream = TestBarge.simulator(1_000);
    BackendConfig backend = TestBarge.simulatorBackend(upstream, MODEL, new LimitsConfig(null, null, 1));
    barge = TestBarge.start(new BargeConfig(new ServerConfig("127.0.0.1", 0, null, "100ms", null, null, null), null, null,
        List.of(backend), null, null, null, null), dir.resolve("data"));
    OpenAIClient client = barge.client();
    String batchId = TestBarge.create(client, TestBarge.upload(client, dir, "in.jsonl", Lines.chat(20, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h").id();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        client.batches().retrieve(batchId).status().equals(Batch.Status.IN_PROGRESS));
    Thread.sleep(200); // the batch's first call holds the slot

    HttpResponse<String> flex = post("{\"model\":\"" + MODEL + "\",\"service_tier\":\"flex\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(flex.statusCode()).isEqualTo(429);
    assertThat(JSON.readTree(flex.body()).at("/error/code").asText()).isEqualTo("resource_unavailable");

    // An interactive request in the same spot waits for the slot instead.
    HttpResponse<String> interactive = post("{\"model\":\"" + MODEL + "\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(interactive.statusCode()).isEqualTo(200);
  }

  @Test
  void synchronousRequestsAreSpreadOverTheBackendsOfAModelByWeight() {
    upstream = SimulatorServer.start("127.0.0.1", 0, SimulatorConfig.defaults(), Set.of());
    try (SimulatorServer other = SimulatorServer.start("127.0.0.1", 0, SimulatorConfig.defaults(), Set.of())) {
      BackendConfig heavy = new BackendConfig("heavy", BackendType.OPENAI, upstream.baseUrl(), null, List.of(MODEL),
          new LimitsConfig(null, null, 4), "10s", null, null, 3);
      BackendConfig light = new BackendConfig("light", BackendType.OPENAI, other.baseUrl(), null, List.of(MODEL),
          new LimitsConfig(null, null, 4), "10s", null, null, 1);
      barge = TestBarge.start(BargeConfig.embeddedDefault().withBackends(List.of(heavy, light)), dir.resolve("data"));
      OpenAIClient client = barge.client();
      for (int i = 0; i < 80; i++) client.chat().completions().create(hello());
      // 3 to 1: about 60 and 20; the bounds are nearly four standard deviations wide.
      assertThat(upstream.answersByStatus().get(200)).isBetween(45L, 75L);
      assertThat(other.answersByStatus().get(200)).isEqualTo(80 - upstream.answersByStatus().get(200));
    }
  }
}
