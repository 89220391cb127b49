package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import dev.barge.config.LimitsConfig;
import dev.barge.config.ModelPrice;
import dev.barge.config.ProjectConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code "dry_run": true} on create: validation, tokens, cost and finishing time, and nothing queued. */
class DryRunTest {
  private static final ModelPrice PRICE = new ModelPrice(new BigDecimal("2.50"), null, new BigDecimal("10.00"));

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  private OpenAIClient start(Map<String, ProjectConfig> projects) {
    upstream = e2e.simulator(SimulatorConfig.defaults());
    // 600 requests a minute: 30 lines take 3 s.
    barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(600, null, 4))
        .withPricing(Map.of(MODEL, PRICE)).withProjects(projects));
    return barge.client();
  }

  private JsonNode dryRun(String fileId) {
    return barge.postJson("/batches", "{\"input_file_id\": \"" + fileId + "\", \"endpoint\": \"/v1/chat/completions\","
        + " \"completion_window\": \"1h\", \"dry_run\": true}");
  }

  @Test
  void aDryRunCountsTokensPricesTheBatchAndQueuesNothing() {
    OpenAIClient client = start(Map.of());
    long before = System.currentTimeMillis() / 1000;
    JsonNode answer = dryRun(TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(30, MODEL)));

    assertThat(answer.get("object").asText()).isEqualTo("batch.dry_run");
    assertThat(answer.get("valid").asBoolean()).isTrue();
    assertThat(answer.get("errors").isNull()).isTrue();
    assertThat(answer.get("model").asText()).isEqualTo(MODEL);
    assertThat(answer.at("/request_counts/total").asInt()).isEqualTo(30);
    long prompt = answer.at("/tokens/prompt").asLong();
    long output = answer.at("/tokens/max_output").asLong();
    assertThat(prompt).isBetween(30L * 5, 30L * 30);
    assertThat(output).isEqualTo(30L * LimitsConfig.DEFAULT_OUTPUT_TOKENS); // no line sets max_tokens
    BigDecimal realTime = PRICE.inputPerMillion().multiply(BigDecimal.valueOf(prompt))
        .add(PRICE.outputPerMillion().multiply(BigDecimal.valueOf(output))).divide(BigDecimal.valueOf(1_000_000));
    assertThat(answer.at("/cost/real_time").decimalValue()).isEqualByComparingTo(realTime);
    assertThat(answer.at("/cost/batch").decimalValue()).isEqualByComparingTo(realTime.divide(BigDecimal.TWO));
    assertThat(answer.get("estimated_completion_at").asLong()).isBetween(before + 2, before + 10);
    assertThat(answer.get("fits_before_expiry").asBoolean()).isTrue();

    assertThat(client.batches().list().data()).isEmpty();
    assertThat(upstream.answersByStatus()).isEmpty();
  }

  @Test
  void aDryRunOfABadFileListsTheErrorsTheBatchWouldFailWith() {
    OpenAIClient client = start(Map.of("default", new ProjectConfig(null, Map.of(MODEL, 100L))));
    List<String> lines = new ArrayList<>(Lines.chat(3, MODEL));
    lines.add(Lines.chatLine("req-0", MODEL, "a custom_id used twice"));
    JsonNode duplicate = dryRun(TestBarge.upload(client, e2e.dir(), "bad.jsonl", lines));
    assertThat(duplicate.get("valid").asBoolean()).isFalse();
    assertThat(duplicate.at("/errors/data/0/code").asText()).isEqualTo("duplicate_custom_id");
    assertThat(duplicate.at("/errors/data/0/line").asInt()).isEqualTo(4);

    JsonNode overQuota = dryRun(TestBarge.upload(client, e2e.dir(), "big.jsonl", Lines.chat(20, MODEL)));
    assertThat(overQuota.get("valid").asBoolean()).isFalse();
    assertThat(overQuota.at("/errors/data/0/code").asText()).isEqualTo("token_limit_exceeded");
    assertThat(client.batches().list().data()).isEmpty();
  }
}
