package dev.barge.config;

/**
 * The prefix cache a simulated backend models, as vLLM and SGLang keep the KV cache of shared prompt
 * prefixes: the last {@code entries} prefixes (system prompt and earlier turns) stay resident, least
 * recently used first out. A request whose prefix is resident reports those prompt tokens as cached and
 * skips their prefill time.
 *
 * @param entries prefixes kept; 0 (the default) models no cache
 * @param prefillUsPerToken prefill time per prompt token not cached, in microseconds, added to the latency
 *     (default 0)
 */
public record SimulatorPrefixCache(Integer entries, Integer prefillUsPerToken) {
  public static final SimulatorPrefixCache NONE = new SimulatorPrefixCache(null, null);

  public SimulatorPrefixCache {
    if (entries == null) entries = 0;
    if (prefillUsPerToken == null) prefillUsPerToken = 0;
    if (entries < 0) throw new IllegalArgumentException("prefix_cache.entries: must not be negative");
    if (prefillUsPerToken < 0) throw new IllegalArgumentException("prefix_cache.prefill_us_per_token: must not be negative");
  }
}
