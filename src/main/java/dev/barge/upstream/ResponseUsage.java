package dev.barge.upstream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.cost.Usage;
import java.io.IOException;

/**
 * Token usage of one response body: Chat/Completions/Embeddings name it {@code prompt_tokens} /
 * {@code completion_tokens}, Responses {@code input_tokens} / {@code output_tokens}, Gemini has a
 * {@code usageMetadata} object instead. Absent numbers count 0.
 */
public final class ResponseUsage {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ResponseUsage() {}

  /**
   * The usage in {@code body}, or null when the body is not exactly one JSON object. Streams over the
   * body and builds a tree of the {@code usage} (or {@code usageMetadata}) object only: every result passes
   * through here.
   */
  public static Usage ofObject(String body) {
    if (body == null) return null;
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return null;
      Usage usage = Usage.ZERO;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        if (p.nextToken() == JsonToken.START_OBJECT && name.equals("usage")) {
          usage = of(JSON.readTree(p));
        } else if (p.currentToken() == JsonToken.START_OBJECT && name.equals("usageMetadata")) {
          usage = ofGemini(JSON.readTree(p));
        } else {
          p.skipChildren(); // still tokenizes, so malformed JSON inside fails here
        }
      }
      return p.nextToken() == null ? usage : null; // trailing text would make an invalid output line
    } catch (IOException e) {
      return null;
    }
  }

  /** The usage a {@code usage} object states. */
  static Usage of(JsonNode u) {
    long input = first(u, "prompt_tokens", "input_tokens");
    long output = first(u, "completion_tokens", "output_tokens");
    long cached = first(u.path("prompt_tokens_details"), "cached_tokens", null)
        + first(u.path("input_tokens_details"), "cached_tokens", null);
    long reasoning = first(u.path("completion_tokens_details"), "reasoning_tokens", null)
        + first(u.path("output_tokens_details"), "reasoning_tokens", null);
    long total = u.has("total_tokens") ? u.path("total_tokens").asLong() : input + output;
    return new Usage(input, cached, output, reasoning, total);
  }

  /**
   * The usage a Gemini {@code usageMetadata} object states. Gemini counts thoughts apart from the candidates;
   * here, as in OpenAI's usage, they are output, and its reasoning part.
   */
  static Usage ofGemini(JsonNode u) {
    long input = u.path("promptTokenCount").asLong();
    long thoughts = u.path("thoughtsTokenCount").asLong();
    long output = u.path("candidatesTokenCount").asLong() + thoughts;
    long total = u.has("totalTokenCount") ? u.path("totalTokenCount").asLong() : input + output;
    return new Usage(input, u.path("cachedContentTokenCount").asLong(), output, thoughts, total);
  }

  private static long first(JsonNode node, String name, String alternative) {
    if (node.has(name)) return node.path(name).asLong();
    return alternative != null ? node.path(alternative).asLong(0) : 0;
  }
}
