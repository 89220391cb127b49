package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import dev.barge.config.LimitsConfig;
import dev.barge.config.ModelPrice;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Usage and cost of every result, summed exactly per batch and per project and day, from the price table. */
class CostTest {
  private static final ModelPrice PRICE = new ModelPrice(new BigDecimal("2.50"), new BigDecimal("1.25"),
      new BigDecimal("10.00"));
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  private OpenAIClient start() {
    upstream = e2e.simulator(SimulatorConfig.defaults());
    barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, 4))
        .withPricing(Map.of(MODEL, PRICE)));
    return barge.client();
  }

  /** The real-time price of one answer's usage, in dollars, worked out here independently. */
  private static BigDecimal listPrice(JsonNode usage) {
    return listPrice(usage.path("prompt_tokens").asLong(),
        usage.path("prompt_tokens_details").path("cached_tokens").asLong(), usage.path("completion_tokens").asLong());
  }

  private static BigDecimal listPrice(CompletionUsage usage) {
    return listPrice(usage.promptTokens(),
        usage.promptTokensDetails().flatMap(d -> d.cachedTokens()).orElse(0L), usage.completionTokens());
  }

  private static BigDecimal listPrice(long input, long cached, long output) {
    return PRICE.inputPerMillion().multiply(BigDecimal.valueOf(input - cached))
        .add(PRICE.cachedInputPerMillion().multiply(BigDecimal.valueOf(cached)))
        .add(PRICE.outputPerMillion().multiply(BigDecimal.valueOf(output)))
        .divide(BigDecimal.valueOf(1_000_000));
  }

  @Test
  void aBatchCostsHalfTheRealTimePriceOfItsUsageExactly() throws Exception {
    OpenAIClient client = start();
    Batch batch = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(25, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    Batch done = TestBarge.awaitEnd(client, batch.id(), Duration.ofSeconds(30));
    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);

    BigDecimal list = BigDecimal.ZERO;
    long inputTokens = 0;
    for (String line : TestBarge.contentLines(client, done.outputFileId().orElseThrow())) {
      JsonNode usage = JSON.readTree(line).at("/response/body/usage");
      list = list.add(listPrice(usage));
      inputTokens += usage.path("prompt_tokens").asLong();
    }
    assertThat(list.signum()).isPositive();
    JsonNode barge = this.barge.getJson("/batches/" + batch.id()).get("barge");
    assertThat(barge.get("cost").decimalValue()).isEqualByComparingTo(list.multiply(new BigDecimal("0.5")));
    assertThat(barge.get("saved").decimalValue()).isEqualByComparingTo(list.multiply(new BigDecimal("0.5")));
    assertThat(done.usage().orElseThrow().inputTokens()).isEqualTo(inputTokens);

    JsonNode spend = this.barge.getJson("/barge/spend").get("data");
    assertThat(spend).hasSize(1);
    assertThat(spend.get(0).get("tier").asText()).isEqualTo("batch");
    assertThat(spend.get(0).get("requests").asLong()).isEqualTo(25);
    assertThat(spend.get(0).get("cost").decimalValue()).isEqualByComparingTo(barge.get("cost").decimalValue());
  }

  @Test
  void synchronousRequestsAreChargedAtTheRealTimeOrTheFlexPrice() throws Exception {
    OpenAIClient client = start();
    ChatCompletion standard = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model(MODEL).addUserMessage("What is a barge?").build());
    ChatCompletion flex = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model(MODEL).addUserMessage("What is a barge, cheaply?")
        .serviceTier(ChatCompletionCreateParams.ServiceTier.FLEX).build());

    // The spend is written beside the answer (the caller does not wait for the database): it shows soon after.
    Map<String, JsonNode> byTier = new HashMap<>();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      byTier.clear();
      for (JsonNode day : barge.getJson("/barge/spend?days=2").get("data")) byTier.put(day.get("tier").asText(), day);
      assertThat(byTier.keySet()).containsExactlyInAnyOrder("standard", "flex");
    });
    assertThat(byTier.get("standard").get("cost").decimalValue())
        .isEqualByComparingTo(listPrice(standard.usage().orElseThrow()));
    BigDecimal flexList = listPrice(flex.usage().orElseThrow());
    assertThat(byTier.get("flex").get("cost").decimalValue()).isEqualByComparingTo(flexList.multiply(new BigDecimal("0.5")));
    assertThat(byTier.get("flex").get("saved").decimalValue()).isEqualByComparingTo(flexList.multiply(new BigDecimal("0.5")));
  }
}
