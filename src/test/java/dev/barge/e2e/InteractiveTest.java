package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The synchronous endpoints, proxied to the backends ahead of batch work, driven by the official SDK. */
class InteractiveTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  private OpenAIClient start(int latencyMs, int concurrency) {
    upstream = e2e.simulator(latencyMs);
    barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, concurrency)));
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
  void anUnknownModelIs404AndStreamingEmbeddingsIs400() throws Exception {
    start(0, 4);
    HttpResponse<String> unknown = post("{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(unknown.body()).at("/error/code").asText()).isEqualTo("model_not_found");
    HttpResponse<String> streaming = send("/embeddings", "{\"model\":\"" + MODEL + "\",\"stream\":true,"
        + "\"input\":\"hi\"}");
    assertThat(streaming.statusCode()).isEqualTo(400);
    JsonNode error = JSON.readTree(streaming.body()).get("error");
    assertThat(error.get("param").asText()).isEqualTo("stream");
    assertThat(post("not json").statusCode()).isEqualTo(400);
  }

  @Test
  void anInteractiveRequestDoesNotQueueBehindABatch() {
    // Two slots, 200 ms per call: the batch's 100 lines keep both busy for about 10 s.
    OpenAIClient client = start(200, 2);
    String batchId = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(100, MODEL)),
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

  @Test
  void aBatchKeepsMakingProgressWhileSynchronousClientsKeepTheBackendBusy() throws Exception {
    // Four slots, 100 ms per call; two synchronous clients send their next request as soon as one returns.
    OpenAIClient client = start(100, 4);
    AtomicBoolean busy = new AtomicBoolean(true);
    AtomicInteger answered = new AtomicInteger();
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      clients.add(Thread.ofVirtual().start(() -> {
        while (busy.get()) {
          client.chat().completions().create(hello());
          answered.incrementAndGet();
        }
      }));
    }
    try {
      String batchId = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(30, MODEL)),
          BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h").id();
      // The batch runs on the two slots the clients leave (about 20 lines a second), not after them.
      Batch batch = TestBarge.awaitEnd(client, batchId, Duration.ofSeconds(30));
      assertThat(batch.status()).isEqualTo(Batch.Status.COMPLETED);
      assertThat(busy.get()).isTrue();
    } finally {
      busy.set(false);
      for (Thread t : clients) t.join();
    }
    assertThat(answered.get()).isPositive();
  }

  private HttpResponse<String> post(String body) throws Exception {
    return send("/chat/completions", body);
  }

  private HttpResponse<String> send(String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(barge.baseUrl + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aFlexRequestWaitsBehindAndIsTurnedAwayWith429WhenNothingComesFree() throws Exception {
    // One slot, 1 s per call, a batch keeping it busy; flex waits at most 100 ms.
    upstream = e2e.simulator(1_000);
    BackendConfig backend = TestBarge.simulatorBackend(upstream, MODEL, new LimitsConfig(null, null, 1));
    barge = e2e.start(new BargeConfig(new ServerConfig("127.0.0.1", 0, null, "100ms", null, null), null, null,
        List.of(backend), null, null, null, null));
    OpenAIClient client = barge.client();
    String batchId = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(20, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h").id();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        client.batches().retrieve(batchId).status().equals(Batch.Status.IN_PROGRESS));
    // The batch's first call holds the slot.
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        barge.getJson("/barge/backends").at("/data/0/in_flight").asInt() == 1);

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
    upstream = e2e.simulator(SimulatorConfig.defaults());
    try (SimulatorServer other = SimulatorServer.start("127.0.0.1", 0, SimulatorConfig.defaults(), Set.of())) {
      BackendConfig heavy = new BackendConfig("heavy", BackendType.OPENAI, upstream.baseUrl(), null, List.of(MODEL),
          new LimitsConfig(null, null, 4), "10s", null, null, 3, null, null);
      BackendConfig light = new BackendConfig("light", BackendType.OPENAI, other.baseUrl(), null, List.of(MODEL),
          new LimitsConfig(null, null, 4), "10s", null, null, 1, null, null);
      barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(heavy, light)));
      OpenAIClient client = barge.client();
      for (int i = 0; i < 80; i++) client.chat().completions().create(hello());
      // 3 to 1: about 60 and 20; the bounds are nearly four standard deviations wide.
      assertThat(upstream.answersByStatus().get(200)).isBetween(45L, 75L);
      assertThat(other.answersByStatus().get(200)).isEqualTo(80 - upstream.answersByStatus().get(200));
    }
  }
}
