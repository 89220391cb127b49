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
import dev.barge.config.ModelPrice;
import dev.barge.config.ProjectConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Budgets stop dispatch at the limit, overshooting by no more than the calls in flight. */
class BudgetTest {
  private static final int CONCURRENCY = 3;
  // About 0.3 cents per answer of the simulator at these prices and half price for batches.
  private static final ModelPrice PRICE = new ModelPrice(new BigDecimal("50"), null, new BigDecimal("100"));
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  private OpenAIClient start(String batchYaml, Map<String, ProjectConfig> projects) {
    upstream = e2e.simulator(30);
    barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, CONCURRENCY))
        .withPricing(Map.of(MODEL, PRICE)).withBatch(TestBarge.batch(batchYaml)).withProjects(projects));
    return barge.client();
  }

  private Batch create(OpenAIClient client, int lines, String maxCostUsd) {
    BatchCreateParams.Builder params = BatchCreateParams.builder()
        .inputFileId(TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(lines, MODEL)))
        .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS)
        .completionWindow(BatchCreateParams.CompletionWindow._24H);
    if (maxCostUsd != null) params.putAdditionalBodyProperty("max_cost_usd", JsonValue.from(maxCostUsd));
    return client.batches().create(params.build());
  }

  /** What each successful answer cost at batch price, in dollars, worked out from its usage here. */
  private static List<BigDecimal> answerCosts(OpenAIClient client, Batch batch) throws Exception {
    if (batch.outputFileId().isEmpty()) return List.of();
    List<BigDecimal> costs = new java.util.ArrayList<>();
    for (String line : TestBarge.contentLines(client, batch.outputFileId().get())) {
      JsonNode usage = JSON.readTree(line).at("/response/body/usage");
      costs.add(PRICE.inputPerMillion().multiply(BigDecimal.valueOf(usage.get("prompt_tokens").asLong()))
          .add(PRICE.outputPerMillion().multiply(BigDecimal.valueOf(usage.get("completion_tokens").asLong())))
          .divide(BigDecimal.valueOf(2_000_000)));
    }
    return costs;
  }

  @Test
  void aBatchBudgetStopsDispatchAndTheRestEndsWithBudgetExceeded() throws Exception {
    OpenAIClient client = start("budget_hold: 1s", Map.of());
    BigDecimal budget = new BigDecimal("0.03");
    Batch batch = create(client, 60, budget.toPlainString());
    Batch done = TestBarge.awaitEnd(client, batch.id(), Duration.ofSeconds(60));

    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    List<BigDecimal> costs = answerCosts(client, done);
    BigDecimal spent = costs.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
    BigDecimal dearest = costs.stream().max(BigDecimal::compareTo).orElseThrow();
    assertThat(costs).isNotEmpty().hasSizeLessThan(60);
    assertThat(spent).isLessThanOrEqualTo(budget.add(dearest.multiply(BigDecimal.valueOf(CONCURRENCY))));
    assertThat(spent.add(dearest)).isGreaterThan(budget.subtract(dearest.multiply(BigDecimal.valueOf(CONCURRENCY))));
    JsonNode json = barge.getJson("/batches/" + batch.id());
    assertThat(json.at("/barge/cost").decimalValue()).isEqualByComparingTo(spent);
    assertThat(upstream.answersByStatus()).containsEntry(200, (long) costs.size()); // nothing sent and dropped

    List<String> errors = TestBarge.contentLines(client, done.errorFileId().orElseThrow());
    assertThat(errors).hasSize(60 - costs.size())
        .allSatisfy(line -> assertThat(JSON.readTree(line).at("/error/code").asText()).isEqualTo("budget_exceeded"));
  }

  @Test
  void raisingTheBudgetLetsAStoppedBatchGoOn() {
    OpenAIClient client = start("budget_hold: 1h", Map.of());
    Batch batch = create(client, 30, "0.01");
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        "batch_budget".equals(barge.getJson("/batches/" + batch.id()).at("/barge/stopped_by").asText(null)));
    long sentWhenStopped = upstream.answersByStatus().getOrDefault(200, 0L);
    assertThat(sentWhenStopped).isLessThan(30);

    JsonNode raised = barge.postJson("/batches/" + batch.id() + "/budget", "{\"max_cost_usd\": \"100\"}");
    assertThat(raised.at("/barge/max_cost_usd").decimalValue()).isEqualByComparingTo("100");
    Batch done = TestBarge.awaitEnd(client, batch.id(), Duration.ofSeconds(30));
    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    assertThat(done.requestCounts().orElseThrow().completed()).isEqualTo(30);
    assertThat(upstream.answersByStatus()).containsEntry(200, 30L);
  }

  @Test
  void aProjectDailyBudgetStopsAllItsBatches() throws Exception {
    OpenAIClient client = start("budget_hold: 1h",
        Map.of("default", new ProjectConfig(new BigDecimal("0.02"), null)));
    Batch first = create(client, 30, null);
    Batch second = create(client, 30, null);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        "project_budget".equals(barge.getJson("/batches/" + first.id()).at("/barge/stopped_by").asText(null))
            && "project_budget".equals(barge.getJson("/batches/" + second.id()).at("/barge/stopped_by").asText(null)));
    client.batches().cancel(first.id());
    client.batches().cancel(second.id());
    List<BigDecimal> costs = new java.util.ArrayList<>(answerCosts(client,
        TestBarge.awaitEnd(client, first.id(), Duration.ofSeconds(30))));
    costs.addAll(answerCosts(client, TestBarge.awaitEnd(client, second.id(), Duration.ofSeconds(30))));
    BigDecimal dearest = costs.stream().max(BigDecimal::compareTo).orElseThrow();
    BigDecimal spent = barge.getJson("/barge/spend").at("/data/0/cost").decimalValue();
    assertThat(spent).isEqualByComparingTo(costs.stream().reduce(BigDecimal.ZERO, BigDecimal::add));
    assertThat(spent).isLessThanOrEqualTo(new BigDecimal("0.02").add(dearest.multiply(BigDecimal.valueOf(CONCURRENCY))));
    assertThat(upstream.answersByStatus()).containsEntry(200, (long) costs.size());
  }

  @Test
  void aBudgetMustBeAnAmountOfDollars() {
    OpenAIClient client = start("budget_hold: 1h", Map.of());
    try {
      create(client, 1, "twelve");
      throw new AssertionError("expected a 400");
    } catch (com.openai.errors.BadRequestException e) {
      assertThat(e.getMessage()).contains("max_cost_usd");
    }
    String fileId = TestBarge.upload(client, e2e.dir(), "one.jsonl", Lines.chat(1, MODEL));
    JsonNode huge = barge.postJson("/batches", "{\"input_file_id\": \"" + fileId + "\", \"endpoint\":"
        + " \"/v1/chat/completions\", \"completion_window\": \"24h\", \"max_cost_usd\": 1e400}");
    assertThat(huge.at("/error/type").asText()).isEqualTo("invalid_request_error");
    assertThat(huge.at("/error/param").asText()).isEqualTo("max_cost_usd");
    JsonNode exact = barge.postJson("/batches", "{\"input_file_id\": \"" + fileId + "\", \"endpoint\":"
        + " \"/v1/chat/completions\", \"completion_window\": \"24h\", \"max_cost_usd\": 12.345678901234}");
    assertThat(exact.at("/barge/max_cost_usd").decimalValue()).isEqualByComparingTo("12.345678901234");
  }
}
