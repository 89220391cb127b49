package dev.barge.config;

/**
 * {@code limits:} of one backend. Absent limits are not enforced; the dispatcher then learns what it
 * can from the backend's {@code x-ratelimit-*} headers and overload answers.
 *
 * @param defaultOutputTokens the output a generating request is counted for, against
 *     {@code tokens_per_minute}, when it sets no {@code max_tokens} of its own (default 1024)
 */
public record LimitsConfig(Integer requestsPerMinute, Integer tokensPerMinute, Integer maxConcurrency,
    Integer defaultOutputTokens) {
  public static final int DEFAULT_OUTPUT_TOKENS = 1024;

  public LimitsConfig {
    requirePositive("requests_per_minute", requestsPerMinute);
    requirePositive("tokens_per_minute", tokensPerMinute);
    requirePositive("max_concurrency", maxConcurrency);
    requirePositive("default_output_tokens", defaultOutputTokens);
    if (defaultOutputTokens == null) defaultOutputTokens = DEFAULT_OUTPUT_TOKENS;
  }

  public LimitsConfig(Integer requestsPerMinute, Integer tokensPerMinute, Integer maxConcurrency) {
    this(requestsPerMinute, tokensPerMinute, maxConcurrency, null);
  }

  private static void requirePositive(String key, Integer value) {
    if (value != null && value <= 0) throw new IllegalArgumentException(key + ": must be positive, was " + value);
  }
}
