package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.errors.InternalServerException;
import com.openai.errors.RateLimitException;
import com.openai.models.ChatModel;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.barge.config.BargeConfig;
import dev.barge.config.ConfigLoader;
import dev.barge.upstream.simulator.SimulatorServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Synchronous requests stay inside their project's limits and leave batch work its share of a backend. */
class SyncLimitsTest {
  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  /** Barge with one backend at a simulator answering after {@code latencyMs}, plus {@code yaml} sections. */
  private OpenAIClient start(int latencyMs, int concurrency, String yaml) {
    upstream = e2e.simulator(latencyMs);
    BargeConfig config = new ConfigLoader(Map.of()).parse("""
        backends:
          - {name: sim, type: openai, base_url: "%s", models: [%s], limits: {max_concurrency: %d}}
        pricing: {%s: {input_per_million: 50, output_per_million: 100}}
        %s
        """.formatted(upstream.baseUrl(), MODEL, concurrency, MODEL, yaml), "test");
    barge = e2e.start(config);
    return barge.client();
  }

  private static ChatCompletionCreateParams hello() {
    return ChatCompletionCreateParams.builder().model(ChatModel.of(MODEL)).addUserMessage("Say hello")
        .maxCompletionTokens(16).build();
  }

  private List<Thread> callInBackground(OpenAIClient client, int calls) {
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < calls; i++) threads.add(Thread.ofVirtual().start(() -> client.chat().completions().create(hello())));
    return threads;
  }

  private void awaitInFlight(int calls) {
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
        barge.getJson("/barge/backends").at("/data/0/in_flight").asInt() == calls);
  }

  @Test
  void aProjectsDailyBudgetCountsItsSynchronousSpendAndRefusesRequestsOnceItIsSpent() {
    // One answer costs about 0.6 cents at the real-time price: the first spends the budget.
    OpenAIClient client = start(0, 4, "projects: {default: {daily_budget_usd: 0.001}}");
    client.chat().completions().create(hello());
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
        barge.getJson("/barge/spend").at("/data/0/cost").decimalValue().signum() > 0);

    assertThatThrownBy(() -> client.chat().completions().create(hello()))
        .isInstanceOfSatisfying(RateLimitException.class, e -> {
          assertThat(e.code()).contains("budget_exceeded");
          assertThat(e.headers().values("x-should-retry")).containsExactly("false");
          assertThat(e.getMessage()).contains("daily budget");
        });
    // Batches of the project wait for the next day too.
    String fileId = TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(3, MODEL));
    Batch batch = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
        "project_budget".equals(barge.getJson("/batches/" + batch.id()).at("/barge/stopped_by").asText(null)));
    assertThat(upstream.answersByStatus()).containsEntry(200, 1L);
  }

  @Test
  void aProjectMayHaveNoMoreThanItsMaxConcurrentRequestsInFlight() throws Exception {
    OpenAIClient client = start(1_000, 4, "projects: {default: {max_concurrent_requests: 1}}");
    List<Thread> first = callInBackground(client, 1);
    awaitInFlight(1);

    assertThatThrownBy(() -> client.chat().completions().create(hello()))
        .isInstanceOfSatisfying(RateLimitException.class, e -> {
          assertThat(e.code()).contains("rate_limit_exceeded");
          assertThat(e.getMessage()).contains("max_concurrent_requests");
          assertThat(e.headers().values("retry-after")).isNotEmpty();
        });
    for (Thread t : first) t.join();
    assertThat(client.chat().completions().create(hello()).choices()).hasSize(1);
  }

  @Test
  void synchronousRequestsHoldAtMostTheirShareOfABackendAndTheBatchRunsOnTheRest() throws Exception {
    // Calls take 5 s: the batch's lines start while the two synchronous calls still hold their slots.
    OpenAIClient client = start(5_000, 4, "server: {max_sync_share: 0.5, interactive_wait: 300ms}");
    List<Thread> holding = callInBackground(client, 2);
    awaitInFlight(2);

    // A third synchronous call finds no slot it may take, although two are free...
    assertThatThrownBy(() -> client.chat().completions().create(hello()))
        .isInstanceOfSatisfying(InternalServerException.class, e -> assertThat(e.statusCode()).isEqualTo(503));
    // ...which batch work uses meanwhile.
    String fileId = TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(2, MODEL));
    String batchId = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h").id();
    awaitInFlight(4);
    for (Thread t : holding) t.join();
    assertThat(TestBarge.awaitEnd(client, batchId, Duration.ofSeconds(30)).status()).isEqualTo(Batch.Status.COMPLETED);
  }
}
