package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseRetrieveParams;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpServer;
import dev.barge.config.ApiKey;
import dev.barge.config.AuthConfig;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.config.ModelPrice;
import dev.barge.config.ProjectConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.config.WebhookConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Background responses through openai-java unchanged: accepted at once, run by Barge, read back, followed
 * as a stream that can be left and picked up again, cancelled, and announced by a signed webhook.
 */
class BackgroundResponsesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "whsec_c2VjcmV0LWtleS1mb3ItYmFja2dyb3VuZC10ZXN0cw==";

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;
  /** What the webhook receiver got: headers (lower-case names) and body. */
  private final List<Map.Entry<Map<String, List<String>>, String>> hooks = new CopyOnWriteArrayList<>();

  /** Barge on the simulator answering after {@code latencyMs}, with a webhook receiver for every event. */
  private OpenAIClient start(int latencyMs) throws Exception {
    upstream = e2e.simulator(latencyMs);
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", exchange -> {
      Map<String, List<String>> headers = new HashMap<>();
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v));
      hooks.add(Map.entry(headers, new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
    e2e.closing(() -> receiver.stop(0));
    String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, 4))
        .withWebhooks(List.of(new WebhookConfig(url, SECRET, null))));
    return barge.client();
  }

  private static ResponseCreateParams.Builder request() {
    return ResponseCreateParams.builder().model(MODEL).input("Write a haiku about barges").maxOutputTokens(64);
  }

  private static String textOf(Response response) {
    StringBuilder text = new StringBuilder();
    response.output().forEach(item -> item.message().ifPresent(m -> m.content()
        .forEach(c -> c.outputText().ifPresent(t -> text.append(t.text())))));
    return text.toString();
  }

  private static Response awaitStatus(OpenAIClient client, String id, ResponseStatus status) {
    Response[] last = {null};
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
      last[0] = client.responses().retrieve(id);
      return last[0].status().orElseThrow().equals(status);
    });
    return last[0];
  }

  /** The webhook event of {@code type} about {@code id}, checked against its signature. */
  private JsonNode awaitHook(String type, String id) {
    Map.Entry<Map<String, List<String>>, String>[] found = new Map.Entry[1];
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
      for (var hook : hooks) {
        JsonNode event = JSON.readTree(hook.getValue());
        if (event.path("type").asText().equals(type) && event.at("/data/id").asText().equals(id)) {
          found[0] = hook;
          return true;
        }
      }
      return false;
    });
    try {
      new Webhook(SECRET).verify(found[0].getValue(), found[0].getKey()); // throws when the signature is wrong
      return JSON.readTree(found[0].getValue());
    } catch (Exception e) {
      throw new AssertionError("webhook " + found[0].getValue() + " does not verify", e);
    }
  }

  @Test
  void aBackgroundResponseIsQueuedAtOnceAndEndsWithTheAnswerAForegroundCallGets() throws Exception {
    OpenAIClient client = start(20);
    Response foreground = client.responses().create(request().build());

    Response queued = client.responses().create(request().background(true).build());
    assertThat(queued.id()).startsWith("resp_");
    assertThat(queued.status()).contains(ResponseStatus.QUEUED);
    assertThat(queued.background()).contains(true);
    assertThat(queued.output()).isEmpty();

    Response done = awaitStatus(client, queued.id(), ResponseStatus.COMPLETED);
    assertThat(done.id()).isEqualTo(queued.id());
    assertThat(textOf(done)).isNotEmpty().isEqualTo(textOf(foreground));
    assertThat(done.usage().orElseThrow().totalTokens()).isEqualTo(foreground.usage().orElseThrow().totalTokens());

    JsonNode event = awaitHook("response.completed", queued.id());
    assertThat(event.get("object").asText()).isEqualTo("event");
    // Both calls are priced, at the list price: background work has no discount.
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode spend = barge.getJson("/barge/spend").at("/data/0");
      assertThat(spend.get("requests").asLong()).isEqualTo(2);
    });
    client.responses().delete(queued.id());
    assertThatThrownBy(() -> client.responses().retrieve(queued.id())).isInstanceOf(NotFoundException.class);
  }

  @Test
  void aBackgroundStreamCanBeLeftAndPickedUpAgainAfterItsLastSequenceNumber() throws Exception {
    OpenAIClient client = start(300);
    String id;
    long lastSeen;
    try (StreamResponse<ResponseStreamEvent> stream = client.responses()
        .createStreaming(request().background(true).build())) {
      var events = stream.stream().iterator();
      ResponseStreamEvent first = events.next();
      assertThat(first.created()).isPresent();
      assertThat(first.created().get().sequenceNumber()).isZero();
      id = first.created().get().response().id();
      ResponseStreamEvent second = events.next();
      assertThat(second.queued()).isPresent();
      lastSeen = second.queued().get().sequenceNumber();
    } // the caller leaves; the response runs on

    List<ResponseStreamEvent> rest = new ArrayList<>();
    try (StreamResponse<ResponseStreamEvent> stream = client.responses().retrieveStreaming(id,
        ResponseRetrieveParams.builder().startingAfter(lastSeen).build())) {
      stream.stream().forEach(rest::add);
    }
    assertThat(rest.getFirst().inProgress()).as("the first event after the queued one").isPresent();
    assertThat(rest.getFirst().inProgress().get().sequenceNumber()).isEqualTo(lastSeen + 1);
    assertThat(rest.getLast().completed()).isPresent();
    StringBuilder text = new StringBuilder();
    rest.forEach(e -> e.outputTextDelta().ifPresent(d -> text.append(d.delta())));
    Response done = client.responses().retrieve(id);
    assertThat(text.toString()).isNotEmpty().isEqualTo(textOf(done));
    assertThat(rest.getLast().completed().get().sequenceNumber()).isEqualTo(lastSeen + rest.size());

    // Read again from the start, the events are the same ones, with the same numbers.
    List<ResponseStreamEvent> again = new ArrayList<>();
    try (StreamResponse<ResponseStreamEvent> stream = client.responses().retrieveStreaming(id)) {
      stream.stream().forEach(again::add);
    }
    assertThat(again).hasSize(rest.size() + 2);
    assertThat(again.subList(2, again.size()).toString()).isEqualTo(rest.toString());
  }

  @Test
  void cancellingARunningResponseStopsItsCallAndASecondCancelChangesNothing() throws Exception {
    OpenAIClient client = start(10_000);
    Response queued = client.responses().create(request().background(true).build());
    awaitStatus(client, queued.id(), ResponseStatus.IN_PROGRESS);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> upstream.inFlight() == 1);
    assertThat(barge.getJson("/barge/backends").at("/data/0/in_flight").asInt()).isEqualTo(1);

    Response cancelled = client.responses().cancel(queued.id());
    assertThat(cancelled.status()).contains(ResponseStatus.CANCELLED);
    // The call is aborted and its slot freed, long before the simulator would have answered.
    Awaitility.await().atMost(Duration.ofSeconds(3))
        .until(() -> barge.getJson("/barge/backends").at("/data/0/in_flight").asInt() == 0);
    assertThat(client.responses().cancel(queued.id()).status()).contains(ResponseStatus.CANCELLED);
    awaitHook("response.cancelled", queued.id());
    assertThat(client.responses().retrieve(queued.id()).status()).contains(ResponseStatus.CANCELLED);
  }

  @Test
  void mistakesAreNamedAndNothingIsQueuedForThem() throws Exception {
    OpenAIClient client = start(0);
    assertThatThrownBy(() -> client.responses().create(request().background(true).store(false).build()))
        .isInstanceOfSatisfying(BadRequestException.class,
            e -> assertThat(e.param()).contains("store"));
    assertThatThrownBy(() -> client.responses().retrieve("resp_unknown")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> client.responses().cancel("resp_unknown")).isInstanceOf(NotFoundException.class);
    Response done = awaitStatus(client, client.responses().create(request().background(true).build()).id(),
        ResponseStatus.COMPLETED);
    assertThatThrownBy(() -> client.responses().retrieveStreaming(done.id(),
        ResponseRetrieveParams.builder().startingAfter(-1).build()).stream().count())
        .isInstanceOfSatisfying(BadRequestException.class,
            e -> assertThat(e.param()).contains("starting_after"));
  }

  @Test
  void aBackgroundResponseGoesAheadOfABatchOnTheSameBackend() throws Exception {
    OpenAIClient client = start(100);
    // 2,000 lines at 4 calls of 100 ms at once: about 50 s of work queued ahead of the response.
    Batch batch = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "large.jsonl", Lines.chat(2_000, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    Awaitility.await().atMost(Duration.ofSeconds(20))
        .until(() -> client.batches().retrieve(batch.id()).status().equals(Batch.Status.IN_PROGRESS));

    Response queued = client.responses().create(request().background(true).build());
    awaitStatus(client, queued.id(), ResponseStatus.COMPLETED);
    long batchDone = client.batches().retrieve(batch.id()).requestCounts().orElseThrow().completed();
    assertThat(batchDone).as("batch lines done by the time the response completed").isLessThan(1_000);
    client.batches().cancel(batch.id());
  }

  @Test
  void oneProjectsThousandsDoNotHoldBackAnotherProjectsFirstOrShowItsResponses() throws Exception {
    upstream = e2e.simulator(300);
    barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, 4))
        .withAuth(new AuthConfig(List.of(new ApiKey("key-alice", "alice"), new ApiKey("key-bob", "bob")))));
    OpenAIClient alice = barge.client("key-alice");
    OpenAIClient bob = barge.client("key-bob");
    List<String> alices = new ArrayList<>();
    for (int i = 0; i < 200; i++) alices.add(alice.responses().create(request().background(true).build()).id());

    Response bobs = bob.responses().create(request().background(true).build());
    awaitStatus(bob, bobs.id(), ResponseStatus.COMPLETED);
    long alicesDone = alices.stream()
        .filter(id -> alice.responses().retrieve(id).status().orElseThrow().equals(ResponseStatus.COMPLETED)).count();
    // 200 at 4 at once take 15 s; Bob's one came after them and waited for none but those already started.
    assertThat(alicesDone).as("Alice's responses done by the time Bob's completed").isLessThan(100);
    assertThatThrownBy(() -> bob.responses().retrieve(alices.getFirst())).isInstanceOf(NotFoundException.class);
  }

  @Test
  void responsesWaitingWhenTheDailyBudgetIsSpentFailAndNewOnesAreRefused() {
    upstream = e2e.simulator(1_500);
    barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, 1))
        .withPricing(Map.of(MODEL, new ModelPrice(new BigDecimal("50"), null, new BigDecimal("100"))))
        .withProjects(Map.of("default", new ProjectConfig(new BigDecimal("0.000001"), null))));
    OpenAIClient client = barge.client();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) ids.add(client.responses().create(request().background(true).build()).id());

    // One call at a time, 1.5 s each: the first spends the budget; those claimed after its price is known fail.
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> ids.stream().allMatch(id -> {
      ResponseStatus status = client.responses().retrieve(id).status().orElseThrow();
      return !status.equals(ResponseStatus.QUEUED) && !status.equals(ResponseStatus.IN_PROGRESS);
    }));
    Response last = client.responses().retrieve(ids.getLast());
    assertThat(last.status()).contains(ResponseStatus.FAILED);
    assertThat(last.error().orElseThrow().code().asString()).isEqualTo("budget_exceeded");
    assertThat(client.responses().retrieve(ids.getFirst()).status()).contains(ResponseStatus.COMPLETED);
    assertThatThrownBy(() -> client.responses().create(request().background(true).build()))
        .isInstanceOfSatisfying(RateLimitException.class, e -> assertThat(e.code()).contains("budget_exceeded"));
  }

  @Test
  void aModelServedOnlyByAnAnthropicBackendIsRefusedForBackgroundResponses() {
    upstream = e2e.simulator(SimulatorConfig.defaults());
    BackendConfig anthropic = new BackendConfig("claude", BackendType.ANTHROPIC, upstream.baseUrl(), "key",
        List.of(MODEL), new LimitsConfig(null, null, 4), "30s", null);
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(anthropic)));
    assertThatThrownBy(() -> barge.client().responses().create(request().background(true).build()))
        .isInstanceOfSatisfying(BadRequestException.class, e -> {
          assertThat(e.param()).contains("model");
          assertThat(e.getMessage()).contains("/v1/responses");
        });
  }
}
