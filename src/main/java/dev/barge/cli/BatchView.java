package dev.barge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.batch.model.BatchRecord;
import dev.barge.cost.Money;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Set;

/**
 * What the CLI shows of a batch, the same whether it runs in this process ({@link BatchRecord}) or on a
 * server (its Batch object).
 *
 * @param errors the batch's {@code errors} list object, or null
 */
record BatchView(String id, String status, int total, int completed, int failed, long inputTokens, long outputTokens,
    BigDecimal cost, BigDecimal saved, String outputFileId, String errorFileId, JsonNode errors, long createdAt) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TERMINAL = Set.of("completed", "failed", "expired", "cancelled");

  static BatchView of(BatchRecord b) {
    try {
      return new BatchView(b.id(), b.status().wireName(), b.total(), b.completed(), b.failed(), b.usage().inputTokens(),
          b.usage().outputTokens(), Money.usd(b.spend().cost()), Money.usd(b.spend().saved()), b.outputFileId(),
          b.errorFileId(), b.errors() == null ? null : JSON.readTree(b.errors()), b.createdAt() / 1000);
    } catch (IOException e) {
      throw new UncheckedIOException("stored errors are JSON", e);
    }
  }

  static BatchView of(JsonNode b) {
    return new BatchView(b.path("id").asText(), b.path("status").asText(), b.at("/request_counts/total").asInt(),
        b.at("/request_counts/completed").asInt(), b.at("/request_counts/failed").asInt(),
        b.at("/usage/input_tokens").asLong(), b.at("/usage/output_tokens").asLong(),
        b.at("/barge/cost").isNumber() ? b.at("/barge/cost").decimalValue() : BigDecimal.ZERO,
        b.at("/barge/saved").isNumber() ? b.at("/barge/saved").decimalValue() : BigDecimal.ZERO,
        text(b.get("output_file_id")), text(b.get("error_file_id")),
        b.path("errors").isObject() ? b.get("errors") : null, b.path("created_at").asLong());
  }

  private static String text(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }

  boolean ended() {
    return TERMINAL.contains(status);
  }

  /** Every line answered successfully. */
  boolean allSucceeded() {
    return "completed".equals(status) && failed == 0;
  }
}
