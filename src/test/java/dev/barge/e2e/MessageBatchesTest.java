package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.Usage;
import com.anthropic.models.messages.batches.BatchCreateParams;
import com.anthropic.models.messages.batches.BatchListParams;
import com.anthropic.models.messages.batches.MessageBatch;
import com.anthropic.models.messages.batches.MessageBatchIndividualResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import dev.barge.config.ApiKey;
import dev.barge.config.AuthConfig;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.config.ProjectConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Anthropic Message Batches API driven by the official Anthropic Java SDK, on a backend of OpenAI type
 * (the simulator over HTTP): each Messages request is translated to a chat completion and back.
 */
class MessageBatchesTest {
  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  private AnthropicClient start(int latencyMs, int concurrency, Clock clock) {
    return start(latencyMs, concurrency, clock, BackendType.OPENAI);
  }

  private AnthropicClient start(int latencyMs, int concurrency, Clock clock, BackendType type) {
    return start(latencyMs, concurrency, clock, type, e2e.dataDir());
  }

  /** Barge with one backend of {@code type} in front of the simulator over HTTP, its data in {@code data}. */
  private AnthropicClient start(int latencyMs, int concurrency, Clock clock, BackendType type, Path data) {
    upstream = e2e.simulator(latencyMs);
    BackendConfig backend = new BackendConfig("sim-" + type.yamlName(), type, upstream.baseUrl(), "sim-key",
        List.of(MODEL), new LimitsConfig(null, null, concurrency), "10s", null);
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(backend)), data, clock);
    return AnthropicOkHttpClient.builder().baseUrl(barge.baseUrl.replace("/v1", "")).apiKey("unused")
        .maxRetries(0).build();
  }

  @Test
  void aBatchRunsOnAnAnthropicTypeBackendAsItIs() {
    AnthropicClient client = start(0, 4, Clock.systemUTC(), BackendType.ANTHROPIC);
    MessageBatch batch = client.messages().batches().create(BatchCreateParams.builder()
        .addRequest(request("one", MODEL)).addRequest(request("two", MODEL)).build());
    MessageBatch ended = awaitEnded(client, batch.id());
    assertThat(ended.requestCounts().succeeded()).isEqualTo(2);
    var message = results(client, batch.id()).get("one").result().succeeded().orElseThrow().message();
    assertThat(message.id()).startsWith("msg_");
    assertThat(message.usage().inputTokens()).isPositive();
  }

  @Test
  void aSynchronousMessageIsProxiedToABackendOfEitherType() {
    for (BackendType type : List.of(BackendType.OPENAI, BackendType.ANTHROPIC)) {
      // A fresh data directory for each backend type.
      AnthropicClient client = start(0, 4, Clock.systemUTC(), type, e2e.dir().resolve(type.yamlName()));
      Message answer = client.messages().create(MessageCreateParams.builder().model(MODEL).maxTokens(32)
          .system("Answer briefly.").addUserMessage("What is a barge?").build());
      assertThat(answer.content().getFirst().text().orElseThrow().text()).as(type.yamlName()).isNotBlank();
      assertThat(answer.usage().outputTokens()).isPositive();
      if (type == BackendType.OPENAI) { // Barge writes the Message itself: a synchronous one is no batch work
        assertThat(answer.usage().serviceTier()).contains(Usage.ServiceTier.STANDARD);
      }
      e2e.closeAll();
    }
  }

  @Test
  void anOpenAiChatBatchRunsOnAnAnthropicBackend() throws Exception {
    start(0, 4, Clock.systemUTC(), BackendType.ANTHROPIC);
    OpenAIClient openai = barge.client();
    var batch = TestBarge.create(openai, TestBarge.upload(openai, e2e.dir(), "chat.jsonl", Lines.chat(6, MODEL)),
        com.openai.models.batches.BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    var done = TestBarge.awaitEnd(openai, batch.id(), Duration.ofSeconds(30));
    assertThat(done.requestCounts().orElseThrow().completed()).isEqualTo(6);
    for (String line : TestBarge.contentLines(openai, done.outputFileId().orElseThrow())) {
      JsonNode body = new ObjectMapper().readTree(line).at("/response/body");
      assertThat(body.at("/choices/0/message/content").asText()).isNotBlank();
      assertThat(body.at("/usage/completion_tokens").asLong()).isPositive();
    }
  }

  @Test
  void keysGoInXApiKeyAndAnotherProjectsBatchIsNotFound() {
    upstream = e2e.simulator(SimulatorConfig.defaults());
    BackendConfig backend = TestBarge.simulatorBackend(upstream, MODEL, new LimitsConfig(null, null, 4));
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(backend)).withAuth(new AuthConfig(
        List.of(new ApiKey("key-a", "a"), new ApiKey("key-b", "b")))));
    String base = barge.baseUrl.replace("/v1", "");
    AnthropicClient alice = AnthropicOkHttpClient.builder().baseUrl(base).apiKey("key-a").maxRetries(0).build();
    AnthropicClient bob = AnthropicOkHttpClient.builder().baseUrl(base).apiKey("key-b").maxRetries(0).build();
    AnthropicClient stranger = AnthropicOkHttpClient.builder().baseUrl(base).apiKey("nope").maxRetries(0).build();

    MessageBatch mine = alice.messages().batches().create(BatchCreateParams.builder().addRequest(request("x", MODEL))
        .build());
    assertThatThrownBy(() -> bob.messages().batches().retrieve(mine.id())).isInstanceOf(NotFoundException.class);
    assertThat(bob.messages().batches().list().data()).isEmpty();
    assertThatThrownBy(() -> stranger.messages().batches().list()).isInstanceOf(UnauthorizedException.class);
  }

  @Test
  void aBatchRefusedAsAWholeStillAnswersForEachRequest() {
    upstream = e2e.simulator(SimulatorConfig.defaults());
    BackendConfig backend = TestBarge.simulatorBackend(upstream, MODEL, new LimitsConfig(null, null, 4));
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(backend)).withProjects(
        Map.of("default", new ProjectConfig(null, Map.of(MODEL, 1L)))));
    AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(barge.baseUrl.replace("/v1", ""))
        .apiKey("unused").maxRetries(0).build();

    MessageBatch batch = client.messages().batches().create(BatchCreateParams.builder()
        .addRequest(request("a", MODEL)).addRequest(request("b", MODEL)).build());
    MessageBatch ended = awaitEnded(client, batch.id());

    assertThat(ended.requestCounts().errored()).isEqualTo(2);
    assertThat(ended.requestCounts().processing()).isZero();
    Map<String, MessageBatchIndividualResponse> results = results(client, batch.id());
    assertThat(results.keySet()).containsExactlyInAnyOrder("a", "b");
    var error = results.get("a").result().errored().orElseThrow().error().error();
    assertThat(error.isRateLimitError()).isTrue();
  }

  @Test
  void theBetaClientWorksToo() {
    AnthropicClient client = start(0, 4, Clock.systemUTC());
    var batches = client.beta().messages().batches();
    var created = batches.create(com.anthropic.models.beta.messages.batches.BatchCreateParams.builder()
        .addRequest(com.anthropic.models.beta.messages.batches.BatchCreateParams.Request.builder().customId("b1")
            .params(com.anthropic.models.beta.messages.batches.BatchCreateParams.Request.Params.builder()
                .model(MODEL).maxTokens(16).addUserMessage("hi").build()).build()).build());
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> batches.retrieve(created.id()).processingStatus()
        .equals(com.anthropic.models.beta.messages.batches.BetaMessageBatch.ProcessingStatus.ENDED));
    try (var lines = batches.resultsStreaming(created.id())) {
      assertThat(lines.stream().toList()).singleElement().satisfies(r -> assertThat(r.result().isSucceeded()).isTrue());
    }
  }

  @Test
  void everyCreateRuleAnswers400NamingThePath() {
    start(0, 4, Clock.systemUTC());
    Map<String, String> cases = Map.of(
        "{}", "requests: Field required",
        "{\"requests\": {}}", "requests: Input should be a valid list",
        "{\"requests\": []}", "List should have between 1 and 100000 items",
        "{\"requests\": [{\"params\": {}}]}", "requests.0.custom_id: Field required",
        "{\"requests\": [{\"custom_id\": \"a\"}]}", "requests.0.params: Field required",
        "{\"requests\": [{\"custom_id\": \"a\", \"params\": 5}]}", "requests.0.params: Input should be a valid dictionary",
        "{\"requests\": [{\"custom_id\": \"" + "x".repeat(65) + "\", \"params\": {}}]}", "requests.0.custom_id: String should match",
        "not json", "not valid JSON");
    cases.forEach((body, message) -> {
      JsonNode answer = barge.postJson("/messages/batches", body);
      assertThat(answer.get("type").asText()).as(body).isEqualTo("error");
      assertThat(answer.at("/error/type").asText()).as(body).isEqualTo("invalid_request_error");
      assertThat(answer.at("/error/message").asText()).as(body).contains(message);
      assertThat(answer.get("request_id").asText()).as(body).startsWith("req_");
    });
  }

  @Test
  void resultsUrlNamesTheConfiguredPublicAddressWhateverHostTheRequestNamed() throws Exception {
    upstream = e2e.simulator(SimulatorConfig.defaults());
    BackendConfig backend = TestBarge.simulatorBackend(upstream, MODEL, new LimitsConfig(null, null, 4));
    BargeConfig config = new dev.barge.config.ConfigLoader(Map.of()).parse(
        "server: {public_base_url: \"https://barge.example.com\"}", "test").withBackends(List.of(backend));
    barge = e2e.start(config);
    AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(barge.baseUrl.replace("/v1", ""))
        .apiKey("unused").maxRetries(0).build();
    MessageBatch batch = client.messages().batches().create(BatchCreateParams.builder().addRequest(request("a", MODEL))
        .build());
    assertThat(awaitEnded(client, batch.id()).resultsUrl())
        .contains("https://barge.example.com/v1/messages/batches/" + batch.id() + "/results");
  }

  @Test
  void aBadFirstRequestOrAllBadRequestsFailOnlyThemselves() {
    upstream = e2e.simulator(SimulatorConfig.defaults());
    BackendConfig backend = TestBarge.simulatorBackend(upstream, MODEL, new LimitsConfig(null, null, 4));
    // A server default canary for anything over 2 lines must not apply: requests stand alone.
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(backend))
        .withBatch(TestBarge.batch("canary: {above_lines: 2, size: 2}")));
    AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(barge.baseUrl.replace("/v1", ""))
        .apiKey("unused").maxRetries(0).build();

    MessageBatch mixed = client.messages().batches().create(BatchCreateParams.builder()
        .addRequest(request("typo", "no-such-model")).addRequest(request("bad-2", "no-such-model"))
        .addRequest(request("bad-3", "no-such-model")).addRequest(request("good", MODEL)).build());
    MessageBatch ended = awaitEnded(client, mixed.id());
    assertThat(ended.requestCounts().succeeded()).isEqualTo(1);
    assertThat(ended.requestCounts().errored()).isEqualTo(3);

    JsonNode allBad = barge.postJson("/messages/batches", "{\"requests\": ["
        + "{\"custom_id\": \"a\", \"params\": {}},"
        + "{\"custom_id\": \"b\", \"params\": {\"model\": \"" + MODEL + "\", \"max_tokens\": 99999999999999999999,"
        + " \"messages\": []}},"
        + "{\"custom_id\": \"c\", \"params\": {\"model\": \"" + MODEL + "\", \"max_tokens\": 5, \"messages\": [],"
        + " \"speed\": \"fast\"}}]}");
    MessageBatch none = awaitEnded(client, allBad.get("id").asText());
    assertThat(none.requestCounts().errored()).isEqualTo(3);
    Map<String, MessageBatchIndividualResponse> results = results(client, none.id());
    assertThat(results.keySet()).containsExactlyInAnyOrder("a", "b", "c");
    assertThat(results.values()).allSatisfy(r ->
        assertThat(r.result().errored().orElseThrow().error().error().isInvalidRequestError()).isTrue());
    assertThat(barge.getJson("/files").get("data")).isEmpty(); // Barge's own input files stay out of sight
  }

  @Test
  void everyParamsRuleFailsItsOwnRequestAsInvalidRequestError() {
    AnthropicClient client = start(0, 4, Clock.systemUTC());
    String ok = "{\"model\": \"" + MODEL + "\", \"max_tokens\": 16, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
    JsonNode created = barge.postJson("/messages/batches", "{\"requests\": ["
        + "{\"custom_id\": \"ok\", \"params\": " + ok + "},"
        + "{\"custom_id\": \"no-max-tokens\", \"params\": {\"model\": \"" + MODEL + "\", \"messages\": []}},"
        + "{\"custom_id\": \"zero-max-tokens\", \"params\": " + ok.replace("16", "0") + "},"
        + "{\"custom_id\": \"no-messages\", \"params\": {\"model\": \"" + MODEL + "\", \"max_tokens\": 5}},"
        + "{\"custom_id\": \"no-model\", \"params\": {\"max_tokens\": 5, \"messages\": []}},"
        + "{\"custom_id\": \"streaming\", \"params\": " + ok.substring(0, ok.length() - 1) + ", \"stream\": true}" + "},"
        + "{\"custom_id\": \"tools\", \"params\": " + ok.replaceFirst("\\{", "{\"tools\": [{\"name\": \"t\"}], ") + "}"
        + "]}");
    String id = created.get("id").asText();
    MessageBatch ended = awaitEnded(client, id);
    assertThat(ended.requestCounts().succeeded()).isEqualTo(1);
    assertThat(ended.requestCounts().errored()).isEqualTo(6);
    Map<String, MessageBatchIndividualResponse> results = results(client, id);
    for (String bad : List.of("no-max-tokens", "zero-max-tokens", "no-messages", "no-model", "streaming", "tools")) {
      var error = results.get(bad).result().errored().orElseThrow().error().error();
      assertThat(error.isInvalidRequestError()).as(bad).isTrue();
    }
  }

  private static BatchCreateParams.Request request(String customId, String model) {
    return BatchCreateParams.Request.builder().customId(customId).params(BatchCreateParams.Request.Params.builder()
        .model(model).maxTokens(32).addUserMessage("Say something about " + customId).build()).build();
  }

  private static MessageBatch awaitEnded(AnthropicClient client, String id) {
    MessageBatch[] last = new MessageBatch[1];
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
      last[0] = client.messages().batches().retrieve(id);
      return last[0].processingStatus().equals(MessageBatch.ProcessingStatus.ENDED);
    });
    return last[0];
  }

  private static Map<String, MessageBatchIndividualResponse> results(AnthropicClient client, String id) {
    try (StreamResponse<MessageBatchIndividualResponse> lines = client.messages().batches().resultsStreaming(id)) {
      return lines.stream().collect(Collectors.toMap(MessageBatchIndividualResponse::customId, r -> r));
    }
  }

  @Test
  void aBatchRunsOnAnOpenAiTypeBackendAndEachBadRequestFailsAlone() {
    AnthropicClient client = start(0, 4, Clock.systemUTC());
    MessageBatch created = client.messages().batches().create(BatchCreateParams.builder()
        .addRequest(request("first", MODEL)).addRequest(request("second", MODEL))
        .addRequest(request("unknown-model", "no-such-model")).build());
    assertThat(created.id()).startsWith("msgbatch_");
    assertThat(created.processingStatus()).isEqualTo(MessageBatch.ProcessingStatus.IN_PROGRESS);
    var counts = created.requestCounts();
    // Counts are live: the bad request may already be counted as errored, but the sum is always all three.
    assertThat(counts.processing() + counts.succeeded() + counts.errored() + counts.canceled() + counts.expired())
        .isEqualTo(3);

    MessageBatch ended = awaitEnded(client, created.id());
    assertThat(ended.requestCounts().succeeded()).isEqualTo(2);
    assertThat(ended.requestCounts().errored()).isEqualTo(1);
    assertThat(ended.requestCounts().processing()).isZero();
    assertThat(ended.endedAt()).isPresent();
    assertThat(ended.resultsUrl().orElseThrow()).isEqualTo(barge.baseUrl + "/messages/batches/" + ended.id() + "/results");

    Map<String, MessageBatchIndividualResponse> results = results(client, created.id());
    assertThat(results).hasSize(3);
    var message = results.get("first").result().succeeded().orElseThrow().message();
    assertThat(message.content().getFirst().text().orElseThrow().text()).isNotBlank();
    assertThat(message.usage().outputTokens()).isPositive();
    assertThat(message.model().asString()).isEqualTo(MODEL);
    assertThat(message.usage().serviceTier()).contains(Usage.ServiceTier.BATCH);
    var error = results.get("unknown-model").result().errored().orElseThrow().error().error();
    assertThat(error.isInvalidRequestError()).isTrue();
    assertThat(upstream.answersByStatus()).containsEntry(200, 2L); // the bad request was never sent
  }

  @Test
  void cancelEndsTheUnsentRequestsAsCanceledAndDeleteRemovesAnEndedBatch() {
    AnthropicClient client = start(300, 1, Clock.systemUTC());
    BatchCreateParams.Builder params = BatchCreateParams.builder();
    for (int i = 0; i < 8; i++) params.addRequest(request("r" + i, MODEL));
    MessageBatch batch = client.messages().batches().create(params.build());
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> client.messages().batches().retrieve(batch.id()).requestCounts().succeeded() >= 1);

    MessageBatch canceling = client.messages().batches().cancel(batch.id());
    assertThat(canceling.processingStatus()).isIn(MessageBatch.ProcessingStatus.CANCELING,
        MessageBatch.ProcessingStatus.ENDED);
    assertThat(canceling.cancelInitiatedAt()).isPresent();
    assertThatThrownBy(() -> client.messages().batches().delete(batch.id())).isInstanceOf(BadRequestException.class);

    MessageBatch ended = awaitEnded(client, batch.id());
    assertThat(ended.requestCounts().canceled()).isPositive();
    long canceled = results(client, batch.id()).values().stream().filter(r -> r.result().isCanceled()).count();
    assertThat(canceled).isEqualTo(ended.requestCounts().canceled());
    assertThatThrownBy(() -> client.messages().batches().cancel(batch.id())).isInstanceOf(BadRequestException.class);

    assertThat(client.messages().batches().delete(batch.id()).id()).isEqualTo(batch.id());
    assertThatThrownBy(() -> client.messages().batches().retrieve(batch.id())).isInstanceOf(NotFoundException.class);
  }

  @Test
  void requestsStillWaitingAtTheDeadlineExpire() {
    FileExpiryTest.MovableClock clock = new FileExpiryTest.MovableClock();
    AnthropicClient client = start(2_000, 1, clock);
    MessageBatch batch = client.messages().batches().create(BatchCreateParams.builder()
        .addRequest(request("a", MODEL)).addRequest(request("b", MODEL)).addRequest(request("c", MODEL)).build());
    // Two seconds per call, one at a time: when the deadline passes, at most the first has finished.
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> barge.engine.messageBatches()
        .get("default", batch.id()).status() == dev.barge.batch.model.BatchStatus.IN_PROGRESS);
    clock.advance(Duration.ofHours(25));

    MessageBatch ended = awaitEnded(client, batch.id());
    assertThat(ended.requestCounts().expired()).isPositive();
    assertThat(results(client, batch.id()).values().stream().filter(r -> r.result().isExpired()).count())
        .isEqualTo(ended.requestCounts().expired());
  }

  @Test
  void resultsAreArchivedWhenTheirRetentionEndsAndTheCountsStay() {
    FileExpiryTest.MovableClock clock = new FileExpiryTest.MovableClock();
    AnthropicClient client = start(0, 4, clock);
    MessageBatch batch = client.messages().batches().create(BatchCreateParams.builder()
        .addRequest(request("a", MODEL)).addRequest(request("b", MODEL)).build());
    MessageBatch ended = awaitEnded(client, batch.id());
    assertThat(ended.archivedAt()).isEmpty();
    assertThat(results(client, batch.id())).hasSize(2);

    clock.advance(Duration.ofDays(29).plusMinutes(2)); // the default batch.results_retention, and a sweep

    MessageBatch archived = Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> client.messages().batches().retrieve(batch.id()), b -> b.archivedAt().isPresent());
    assertThat(archived.requestCounts().succeeded()).isEqualTo(2);
    assertThat(archived.requestCounts().processing()).isZero();
    assertThatThrownBy(() -> results(client, batch.id())).isInstanceOf(NotFoundException.class);
    assertThat(client.messages().batches().list().data()).extracting(MessageBatch::id).contains(batch.id());
  }

  @Test
  void listPagesNewestFirstAndEndsOnAnEmptyPage() {
    AnthropicClient client = start(0, 4, Clock.systemUTC());
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      created.add(0, client.messages().batches().create(BatchCreateParams.builder().addRequest(request("x", MODEL))
          .build()).id());
    }
    List<String> walked = new ArrayList<>();
    client.messages().batches().list(BatchListParams.builder().limit(2).build()).autoPager()
        .forEach(b -> walked.add(b.id()));
    assertThat(walked).containsExactlyElementsOf(created);

    var newer = client.messages().batches().list(BatchListParams.builder().beforeId(created.get(3)).limit(2).build());
    assertThat(newer.data()).extracting(MessageBatch::id).containsExactly(created.get(1), created.get(2));
    assertThat(newer.hasMore()).contains(true);
    var past = client.messages().batches().list(BatchListParams.builder().afterId(created.get(4)).build());
    assertThat(past.data()).isEmpty();
    assertThat(past.hasMore()).contains(false);
  }

  @Test
  void badRequestsAreRefusedAtOnceWithTheAnthropicErrorAndNothingIsCreated() {
    AnthropicClient client = start(0, 4, Clock.systemUTC());
    assertThatThrownBy(() -> client.messages().batches().create(BatchCreateParams.builder()
        .addRequest(request("same", MODEL)).addRequest(request("same", MODEL)).build()))
        .isInstanceOf(BadRequestException.class).hasMessageContaining("requests.1.custom_id");
    assertThatThrownBy(() -> client.messages().batches().create(BatchCreateParams.builder()
        .addRequest(request("no spaces allowed", MODEL)).build()))
        .isInstanceOf(BadRequestException.class).hasMessageContaining("pattern");
    assertThatThrownBy(() -> client.messages().batches().retrieve("msgbatch_nope"))
        .isInstanceOf(NotFoundException.class);
    assertThat(client.messages().batches().list().data()).isEmpty();
  }
}
