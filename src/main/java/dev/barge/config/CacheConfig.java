package dev.barge.config;

import java.time.Duration;

/**
 * {@code batch.cache:} the response cache across batches. A batch's line is answered from an earlier
 * successful answer to the same request in the same project, without an upstream call, when the batch
 * has the cache on; {@code enabled} is the default for batches that do not say.
 *
 * @param enabled whether batches use the cache unless they say otherwise (default false)
 * @param ttl how old an answer may be and still be reused (default 7d)
 */
public record CacheConfig(Boolean enabled, String ttl) {
  public CacheConfig {
    if (enabled == null) enabled = false;
    if (ttl == null) ttl = "7d";
    Durations.require("cache.ttl", ttl);
  }

  public static CacheConfig defaults() {
    return new CacheConfig(null, null);
  }

  public Duration ttlDuration() {
    return Durations.parse(ttl);
  }
}
