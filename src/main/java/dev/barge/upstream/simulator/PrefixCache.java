package dev.barge.upstream.simulator;

import dev.barge.config.SimulatorPrefixCache;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The KV cache of prompt prefixes a serving engine keeps (see {@link SimulatorPrefixCache}): the last
 * {@code entries} prefixes seen, least recently used out first. A prefix counts as resident from the
 * moment its first request arrives.
 */
final class PrefixCache {
  private final int entries;
  private final Map<Long, Boolean> resident;

  PrefixCache(SimulatorPrefixCache config) {
    this.entries = config.entries();
    this.resident = new LinkedHashMap<>(Math.max(16, entries * 2), 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
        return size() > entries;
      }
    };
  }

  /** The request's prompt tokens found resident (its prefix's, or none); its prefix is resident afterwards. */
  synchronized int cachedTokens(SimulatedRequest request) {
    if (entries == 0 || request.prefix() == null) return 0;
    boolean hit = resident.put(request.prefix().hash(), Boolean.TRUE) != null;
    return hit ? request.prefixTokens() : 0;
  }
}
