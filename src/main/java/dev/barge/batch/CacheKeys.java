package dev.barge.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.barge.batch.model.CacheMode;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.ProtoJson;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The response cache's key of a request: the SHA-256 of its endpoint and its body (which names the model)
 * written canonically, keys sorted and no whitespace, so two requests that differ only in layout share it.
 */
final class CacheKeys {
  private static final ObjectMapper CANONICAL = new ObjectMapper()
      .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private CacheKeys() {}

  /**
   * The key of a request a batch of this mode may answer from the cache, or null when it may not: with
   * {@link CacheMode#DETERMINISTIC}, a request whose sampling leaves its answer to chance never is.
   */
  static String of(CacheMode mode, Endpoint endpoint, JsonNode body) {
    if (mode == CacheMode.OFF || body == null || !body.isObject()) return null;
    if (mode == CacheMode.DETERMINISTIC && !deterministic(endpoint, body)) return null;
    try {
      // Maps (not trees) are what ORDER_MAP_ENTRIES_BY_KEYS sorts, at every depth.
      String canonical = CANONICAL.writeValueAsString(CANONICAL.convertValue(body, Object.class));
      byte[] hash = Sha256.digest().digest((endpoint.path() + "\n" + canonical).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      return null; // not plain JSON: never shared
    }
  }

  /**
   * Whether the answer does not depend on chance: embeddings and moderations never sample; a generation
   * does not when it asks for {@code temperature} 0 or gives a {@code seed}. An absent temperature is the
   * APIs' default of 1.
   */
  static boolean deterministic(Endpoint endpoint, JsonNode body) {
    if (endpoint == Endpoint.EMBEDDINGS || endpoint == Endpoint.MODERATIONS || endpoint == Endpoint.EMBED_CONTENT) {
      return true;
    }
    JsonNode sampling = endpoint == Endpoint.GENERATE_CONTENT ? ProtoJson.field(body, "generationConfig") : body;
    if (sampling == null) return false; // no generation config: the default temperature
    JsonNode seed = sampling.get("seed");
    JsonNode temperature = sampling.get("temperature");
    return (seed != null && !seed.isNull()) || (temperature != null && temperature.isNumber() && temperature.doubleValue() == 0);
  }
}
