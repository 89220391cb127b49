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
    Integer capacity) {
  public SimulatorConfig {
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
  }

  public SimulatorConfig(Integer latencyMs, Integer jitterMs, Double errorRate, Double rateLimitRate,
      Integer retryAfterMs, Integer requestsPerMinute, Integer tokensPerMinute, Long seed) {
    this(latencyMs, jitterMs, errorRate, rateLimitRate, retryAfterMs, requestsPerMinute, tokensPerMinute, seed, null);
  }

  public static SimulatorConfig defaults() {
    return new SimulatorConfig(null, null, null, null, null, null, null, null);
  }
}
