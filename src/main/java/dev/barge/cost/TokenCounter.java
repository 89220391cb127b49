package dev.barge.cost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.IOException;
import java.util.Set;

/**
 * Estimates the tokens of a request body (OpenAI's chat, completions, responses, embeddings, moderations;
 * Anthropic's Messages; Gemini's generateContent and embedContent) before it is sent. Prompt text is counted
 * with a real tokenizer ({@code o200k_base}); other models split text differently, so callers scale it with
 * what the backend reports (see {@code dispatch}). Text is every string under {@code content}, {@code text},
 * {@code prompt}, {@code input}, {@code instructions} or {@code system} (Gemini's parts hold theirs under
 * {@code text}), plus a few tokens per chat message (Gemini: per content), as OpenAI's own counting guide does.
 */
public final class TokenCounter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TEXT_KEYS = Set.of("content", "text", "prompt", "input", "instructions", "system");
  private static final Set<String> OUTPUT_LIMIT_KEYS = Set.of("max_completion_tokens", "max_tokens", "max_output_tokens");
  private static final int TOKENS_PER_MESSAGE = 3;
  private static final int TOKENS_PER_REPLY = 3;

  private final long defaultOutputTokens;

  /** @param defaultOutputTokens the output budget of a generating request that sets no limit of its own */
  public TokenCounter(long defaultOutputTokens) {
    this.defaultOutputTokens = defaultOutputTokens;
  }

  /**
   * @param generates whether the endpoint generates text (embeddings and moderations do not)
   * @throws IOException when the body is not JSON
   */
  public TokenEstimate estimate(byte[] body, boolean generates) throws IOException {
    return estimate(JSON.readTree(body), generates);
  }

  /** The same, for a body already parsed. */
  public TokenEstimate estimate(JsonNode root, boolean generates) {
    long prompt = countText(root, false);
    JsonNode messages = root.has("messages") ? root.path("messages") : root.path("contents"); // contents: Gemini's
    if (messages.isArray()) prompt += (long) TOKENS_PER_MESSAGE * messages.size() + TOKENS_PER_REPLY;
    return new TokenEstimate(prompt, generates ? outputLimit(root) : 0);
  }

  /** The request's own output limit: at the top, or in Gemini's generation config (either spelling). */
  private long outputLimit(JsonNode root) {
    for (String key : OUTPUT_LIMIT_KEYS) {
      JsonNode limit = root.get(key);
      if (limit != null && limit.canConvertToLong() && limit.asLong() > 0) return limit.asLong();
    }
    JsonNode config = root.has("generationConfig") ? root.path("generationConfig") : root.path("generation_config");
    JsonNode limit = config.has("maxOutputTokens") ? config.path("maxOutputTokens") : config.path("max_output_tokens");
    return limit.canConvertToLong() && limit.asLong() > 0 ? limit.asLong() : defaultOutputTokens;
  }

  /** Tokens of the strings below {@code node} that are prompt text (or below a text key already). */
  private long countText(JsonNode node, boolean isText) {
    if (node.isTextual()) return isText ? O200k.ENCODING.countTokensOrdinary(node.textValue()) : 0;
    if (node.isIntegralNumber()) return isText ? 1 : 0; // an input given as token ids
    if (node.isArray()) {
      long sum = 0;
      for (JsonNode item : node) sum += countText(item, isText);
      return sum;
    }
    if (node.isObject()) {
      long sum = 0;
      for (var field : node.properties()) sum += countText(field.getValue(), isText || TEXT_KEYS.contains(field.getKey()));
      return sum;
    }
    return 0;
  }

  /** Loaded on first use: the vocabulary takes a moment and some megabytes, and many servers never count. */
  private static final class O200k {
    static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
  }
}
