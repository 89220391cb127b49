package dev.barge.config;

/**
 * Behaviour of a simulated model backend (type {@code simulator}, and {@code barge mock-upstream}).
 *
 * @param latencyMs fixed delay before each answer
 * @param jitterMs extra random delay, uniform in [0, jitterMs]
 * @param errorRate fraction of requests answered 500
 * @param rateLimitRate fraction of requests answered 429 regardless of limits
 * @param retryAfterMs the {@code retry-after-ms} sent with injected 429s
 * @param requestsPerMinute enforced request limit (429 with rate-limit headers when exceeded); null for none
 * @param tokensPerMinute enforced token limit; null for none
 * @param seed seed of the random source, so a run can be repeated
 * @param capacity requests it works on at full speed; above that, each takes longer in proportion
 *     ({@code latency × in-flight / capacity}), as a GPU server does when overloaded; null for unlimited
 * @param burstSeconds how many seconds of its rate the enforced limits let through at once (default 60: a
 *     minute's worth, as OpenAI's buckets start; hosted APIs often allow about one second's worth)
 * @param limitHeaders when the enforced limits are announced in {@code x-ratelimit-*} headers (default always)
 * @param faults further faults mixed into the answers: 503s, resets, cut-off bodies, slow answers
 * @param batchJobs how the provider batch jobs it serves run: when they end, what share expires or fails
 * @param tokenMs time between the events of a streamed answer (about one token each), after the latency
 * @param prefixCache the KV cache of shared prompt prefixes it models (none by default)
 */
public record SimulatorConfig(
    Integer latencyMs,
    Integer jitterMs,
    Double errorRate,
    Double rateLimitRate,
    Integer retryAfterMs,
    Integer requestsPerMinute,
    Integer tokensPerMinute,
    Long seed,
    Integer capacity,
    Integer burstSeconds,
    SimulatorLimitHeaders limitHeaders,
    SimulatorFaults faults,
    SimulatorBatchJobs batchJobs,
    Integer tokenMs,
    SimulatorPrefixCache prefixCache) {
  public SimulatorConfig {
    if (prefixCache == null) prefixCache = SimulatorPrefixCache.NONE;
    if (tokenMs == null) tokenMs = 0;
    if (tokenMs < 0) throw new IllegalArgumentException("token_ms: must not be negative");
    if (latencyMs == null) latencyMs = 0;
    if (jitterMs == null) jitterMs = 0;
    if (errorRate == null) errorRate = 0.0;
    if (rateLimitRate == null) rateLimitRate = 0.0;
    if (retryAfterMs == null) retryAfterMs = 1000;
    if (latencyMs < 0) throw new IllegalArgumentException("latency_ms: must not be negative");
    if (jitterMs < 0) throw new IllegalArgumentException("jitter_ms: must not be negative");
    if (errorRate < 0 || errorRate > 1) throw new IllegalArgumentException("error_rate: must be between 0 and 1");
    if (rateLimitRate < 0 || rateLimitRate > 1) {
      throw new IllegalArgumentException("rate_limit_rate: must be between 0 and 1");
    }
    if (errorRate + rateLimitRate > 1) {
      throw new IllegalArgumentException("error_rate + rate_limit_rate: must not exceed 1");
    }
    if (retryAfterMs < 0) throw new IllegalArgumentException("retry_after_ms: must not be negative");
    if (requestsPerMinute != null && requestsPerMinute <= 0) {
      throw new IllegalArgumentException("requests_per_minute: must be positive");
    }
    if (tokensPerMinute != null && tokensPerMinute <= 0) {
      throw new IllegalArgumentException("tokens_per_minute: must be positive");
    }
    if (capacity != null && capacity <= 0) throw new IllegalArgumentException("capacity: must be positive");
    if (burstSeconds == null) burstSeconds = 60;
    if (burstSeconds < 1 || burstSeconds > 60) throw new IllegalArgumentException("burst_seconds: must be 1 to 60");
    if (limitHeaders == null) limitHeaders = SimulatorLimitHeaders.ALWAYS;
    if (faults == null) faults = SimulatorFaults.NONE;
    if (batchJobs == null) batchJobs = SimulatorBatchJobs.DEFAULTS;
    if (errorRate + rateLimitRate + faults.total() > 1) {
      throw new IllegalArgumentException("error_rate + rate_limit_rate + faults: must not exceed 1");
    }
  }

  public SimulatorConfig(Integer latencyMs, Integer jitterMs, Double errorRate, Double rateLimitRate,
      Integer retryAfterMs, Integer requestsPerMinute, Integer tokensPerMinute, Long seed, Integer capacity,
      Integer burstSeconds, SimulatorLimitHeaders limitHeaders, SimulatorFaults faults, SimulatorBatchJobs batchJobs,
      Integer tokenMs) {
    this(latencyMs, jitterMs, errorRate, rateLimitRate, retryAfterMs, requestsPerMinute, tokensPerMinute, seed, capacity,
        burstSeconds, limitHeaders, faults, batchJobs, tokenMs, null);
  }

  public SimulatorConfig(Integer latencyMs, Integer jitterMs, Double errorRate, Double rateLimitRate,
      Integer retryAfterMs, Integer requestsPerMinute, Integer tokensPerMinute, Long seed, Integer capacity,
      Integer burstSeconds, SimulatorLimitHeaders limitHeaders, SimulatorFaults faults, SimulatorBatchJobs batchJobs) {
    this(latencyMs, jitterMs, errorRate, rateLimitRate, retryAfterMs, requestsPerMinute, tokensPerMinute, seed, capacity,
        burstSeconds, limitHeaders, faults, batchJobs, null, null);
  }

  public SimulatorConfig(Integer latencyMs, Integer jitterMs, Double errorRate, Double rateLimitRate,
      Integer retryAfterMs, Integer requestsPerMinute, Integer tokensPerMinute, Long seed, Integer capacity,
      Integer burstSeconds, SimulatorLimitHeaders limitHeaders, SimulatorFaults faults) {
    this(latencyMs, jitterMs, errorRate, rateLimitRate, retryAfterMs, requestsPerMinute, tokensPerMinute, seed, capacity,
        burstSeconds, limitHeaders, faults, null);
  }

  public SimulatorConfig(Integer latencyMs, Integer jitterMs, Double errorRate, Double rateLimitRate,
      Integer retryAfterMs, Integer requestsPerMinute, Integer tokensPerMinute, Long seed, Integer capacity) {
    this(latencyMs, jitterMs, errorRate, rateLimitRate, retryAfterMs, requestsPerMinute, tokensPerMinute, seed, capacity,
        null, null, null);
  }

  public SimulatorConfig(Integer latencyMs, Integer jitterMs, Double errorRate, Double rateLimitRate,
      Integer retryAfterMs, Integer requestsPerMinute, Integer tokensPerMinute, Long seed) {
    this(latencyMs, jitterMs, errorRate, rateLimitRate, retryAfterMs, requestsPerMinute, tokensPerMinute, seed, null);
  }

  public static SimulatorConfig defaults() {
    return new SimulatorConfig(null, null, null, null, null, null, null, null);
  }
}
