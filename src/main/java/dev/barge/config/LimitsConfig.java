package dev.barge.config;

/** {@code limits:} of one backend. Only {@code max_concurrency} is enforced by the dispatcher so far. */
public record LimitsConfig(Integer requestsPerMinute, Integer tokensPerMinute, Integer maxConcurrency) {
  public LimitsConfig {
    requirePositive("requests_per_minute", requestsPerMinute);
    requirePositive("tokens_per_minute", tokensPerMinute);
    requirePositive("max_concurrency", maxConcurrency);
  }

  private static void requirePositive(String key, Integer value) {
    if (value != null && value <= 0) throw new IllegalArgumentException(key + ": must be positive, was " + value);
  }
}
