package dev.barge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.barge.cost.Money;
import dev.barge.cost.PriceTable;
import dev.barge.cost.Tier;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One input line and what became of it, as {@code barge results} prints it.
 *
 * @param status {@code succeeded}, {@code failed}, or {@code missing} (no result for the line yet)
 * @param text the assistant's text (chat, completions, responses) or the moderation verdict; null otherwise
 * @param embedding the vector of an embeddings answer, as JSON text; null otherwise
 * @param cost at the batch price, when the price table knows the model; null otherwise
 * @param cutOff why the answer stopped before it was done ({@code length}, {@code content_filter}, an
 *     incomplete response), or null when it finished
 */
record ResultRow(int line, String customId, String status, Integer statusCode, String text, String embedding,
    Long inputTokens, Long outputTokens, BigDecimal cost, String error, String cutOff) {
  /** The columns, in order, as both formats name them. */
  static final List<String> COLUMNS = List.of("line", "custom_id", "status", "status_code", "text", "embedding",
      "input_tokens", "output_tokens", "cost", "error");

  /** The fields under {@link #COLUMNS}' names, in their order. */
  Map<String, Object> fields() {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("line", line);
    f.put("custom_id", customId);
    f.put("status", status);
    f.put("status_code", statusCode);
    f.put("text", text);
    f.put("embedding", embedding);
    f.put("input_tokens", inputTokens);
    f.put("output_tokens", outputTokens);
    f.put("cost", cost);
    f.put("error", error);
    return f;
  }

  static ResultRow missing(int line, String customId) {
    return new ResultRow(line, customId, "missing", null, null, null, null, null, null, "no result for this line", null);
  }

  /** The row of a result line of an output or error file. */
  static ResultRow of(int line, String customId, JsonNode result, PriceTable prices) {
    JsonNode response = result.path("response");
    JsonNode body = response.path("body");
    Integer code = response.path("status_code").isNumber() ? response.get("status_code").asInt() : null;
    JsonNode fault = result.path("error");
    boolean ok = code != null && code >= 200 && code < 300 && (fault.isMissingNode() || fault.isNull());
    if (!ok) {
      JsonNode error = result.path("error").isObject() ? result.get("error") : body.path("error");
      String message = (error.hasNonNull("code") ? error.get("code").asText() + ": " : "")
          + error.path("message").asText(code == null ? "no answer" : "status " + code);
      return new ResultRow(line, customId, "failed", code, null, null, null, null, null, message, null);
    }
    JsonNode usage = body.path("usage");
    long in = usage.has("prompt_tokens") ? usage.path("prompt_tokens").asLong() : usage.path("input_tokens").asLong();
    long out = usage.has("completion_tokens") ? usage.path("completion_tokens").asLong()
        : usage.path("output_tokens").asLong();
    long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(
        usage.path("input_tokens_details").path("cached_tokens").asLong());
    String model = body.path("model").asText(null);
    BigDecimal cost = prices != null && model != null && prices.prices(model)
        ? Money.usd(prices.cost(model, in, cached, out, Tier.BATCH)) : null;
    JsonNode vector = body.path("data").path(0).path("embedding");
    return new ResultRow(line, customId, "succeeded", code, text(body), vector.isArray() ? vector.toString() : null,
        in, out, cost, null, cutOff(body));
  }

  /** Why the answer stopped early, or null when it is whole. */
  private static String cutOff(JsonNode body) {
    String reason = body.path("choices").path(0).path("finish_reason").asText("");
    if (reason.equals("length") || reason.equals("content_filter")) return reason;
    if ("incomplete".equals(body.path("status").asText())) {
      return body.path("incomplete_details").path("reason").asText("incomplete");
    }
    return null;
  }

  /** The answer's text, whichever endpoint it came from. */
  private static String text(JsonNode body) {
    JsonNode choice = body.path("choices").path(0);
    if (choice.path("message").has("content")) return content(choice.path("message").path("content"));
    if (choice.has("text")) return choice.path("text").asText();
    if (body.path("output").isArray()) {
      StringBuilder s = new StringBuilder();
      for (JsonNode item : body.path("output")) {
        for (JsonNode part : item.path("content")) {
          if ("output_text".equals(part.path("type").asText())) s.append(part.path("text").asText());
        }
      }
      return s.toString();
    }
    JsonNode moderation = body.path("results").path(0);
    if (moderation.has("flagged")) return moderation.path("flagged").asBoolean() ? "flagged" : "not flagged";
    return null;
  }

  private static String content(JsonNode content) {
    if (!(content instanceof ArrayNode parts)) return content.isNull() ? null : content.asText();
    StringBuilder s = new StringBuilder();
    for (JsonNode part : parts) s.append(part.path("text").asText());
    return s.toString();
  }
}
