package dev.barge.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.PromptPrefix;
import java.util.HashMap;
import java.util.Map;

/**
 * Ranks a batch's lines for claiming so that lines sharing a long prompt prefix (the same system prompt
 * and documents, the usual shape of a batch) are claimed one after another: a self-hosted engine then
 * still holds the prefix's KV cache when the next one comes, instead of having evicted it for the other
 * prefixes interleaved in the file. Groups follow in the order their first line appears, and lines within
 * a group in line order; lines with no long prefix come first, in line order.
 */
final class PrefixGroups {
  /** Shorter prefixes save little prefill (about 256 tokens). */
  static final int MIN_PREFIX_CHARS = 1024;
  /** Past this many different prefixes, further ones are not grouped (and held in no map). */
  static final int MAX_GROUPS = 1 << 16;

  private final Endpoint endpoint;
  private final Map<Long, Integer> ordinals = new HashMap<>();

  PrefixGroups(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  /** Whether requests to {@code endpoint} have prefixes to group by. */
  static boolean applies(Endpoint endpoint) {
    return endpoint == Endpoint.CHAT_COMPLETIONS || endpoint == Endpoint.MESSAGES || endpoint == Endpoint.RESPONSES
        || endpoint == Endpoint.GENERATE_CONTENT;
  }

  /** The claim rank of line {@code number} whose request body is {@code body}: its group, then its number. */
  long rank(int number, JsonNode body) {
    PromptPrefix prefix = PromptPrefix.of(endpoint, body);
    int group = 0;
    if (prefix != null && prefix.chars() >= MIN_PREFIX_CHARS) {
      Integer known = ordinals.get(prefix.hash());
      if (known != null) {
        group = known;
      } else if (ordinals.size() < MAX_GROUPS - 1) {
        group = ordinals.size() + 1;
        ordinals.put(prefix.hash(), group);
      }
    }
    return ((long) group << 32) | number;
  }
}
