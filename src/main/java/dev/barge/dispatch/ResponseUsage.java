package dev.barge.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.barge.store.Usage;

/**
 * Token usage of one response body: Chat/Completions/Embeddings name it {@code prompt_tokens} /
 * {@code completion_tokens}, Responses {@code input_tokens} / {@code output_tokens}. Absent numbers count 0.
 */
final class ResponseUsage {
  private ResponseUsage() {}

  static Usage of(JsonNode body) {
    JsonNode u = body.path("usage");
    if (!u.isObject()) return Usage.ZERO;
    long input = first(u, "prompt_tokens", "input_tokens");
    long output = first(u, "completion_tokens", "output_tokens");
    long cached = first(u.path("prompt_tokens_details"), "cached_tokens", null)
        + first(u.path("input_tokens_details"), "cached_tokens", null);
    long reasoning = first(u.path("completion_tokens_details"), "reasoning_tokens", null)
        + first(u.path("output_tokens_details"), "reasoning_tokens", null);
    long total = u.has("total_tokens") ? u.path("total_tokens").asLong() : input + output;
    return new Usage(input, cached, output, reasoning, total);
  }

  private static long first(JsonNode node, String name, String alternative) {
    if (node.has(name)) return node.path(name).asLong();
    return alternative != null ? node.path(alternative).asLong(0) : 0;
  }
}
