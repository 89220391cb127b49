package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/**
 * What a request shares with others before its own question: the model, the system prompt (or
 * instructions) and every turn but the last. Engines such as vLLM and SGLang keep the KV cache of such a
 * prefix while it is resident, so requests with the same one run cheaper close together in time.
 *
 * @param hash a 64-bit hash of the prefix's JSON (two prefixes with the same hash are taken as the same)
 * @param chars the length of the prefix's text, about four per token
 */
public record PromptPrefix(long hash, int chars) {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  /** The prefix of a request to {@code endpoint}, or null when it has none (one turn, no system prompt). */
  public static PromptPrefix of(Endpoint endpoint, JsonNode body) {
    if (body == null || !body.isObject()) return null;
    return switch (endpoint) {
      case CHAT_COMPLETIONS -> of(body, null, body.get("messages"));
      case MESSAGES -> of(body, body.get("system"), body.get("messages"));
      case RESPONSES -> of(body, body.get("instructions"), body.path("input").isArray() ? body.get("input") : null);
      case GENERATE_CONTENT -> of(body, ProtoJson.field(body, "systemInstruction"), body.get("contents"));
      default -> null;
    };
  }

  private static PromptPrefix of(JsonNode body, JsonNode system, JsonNode turns) {
    long hash = mix(FNV_OFFSET, body.path("model").asText());
    int chars = 0;
    if (system != null && !system.isNull()) {
      String text = system.toString();
      hash = mix(hash, text);
      chars += text.length();
    }
    if (turns != null && turns.isArray()) {
      for (int i = 0; i < turns.size() - 1; i++) {
        String text = turns.get(i).toString();
        hash = mix(hash, text);
        chars += text.length();
      }
    }
    return chars == 0 ? null : new PromptPrefix(hash, chars);
  }

  /** FNV-1a over the text's UTF-8 bytes: cheap, and collisions only cost a cache miss or a looser group. */
  private static long mix(long hash, String text) {
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= FNV_PRIME;
    }
    return hash;
  }
}
