package dev.barge.config;

import java.math.BigDecimal;
import java.util.Map;

/**
 * One entry of {@code projects:}, the limits of a project (the project an API key acts for).
 *
 * @param dailyBudgetUsd the most the project may spend in one UTC day, batches and synchronous requests
 *     together; null for no limit
 * @param maxEnqueuedTokens per model, the most estimated prompt tokens the project may have queued in
 *     batches that have not ended; the key {@code "*"} applies to models not named
 * @param maxConcurrentRequests the most synchronous requests of the project one node serves at once
 *     (default 64); more are refused with 429
 */
public record ProjectConfig(BigDecimal dailyBudgetUsd, Map<String, Long> maxEnqueuedTokens,
    Integer maxConcurrentRequests) {
  public static final String ANY_MODEL = "*";
  public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 64;
  /** The largest amount Barge counts in (a budget, a day's spend): far beyond any real batch. */
  public static final BigDecimal MAX_USD = new BigDecimal("1000000");

  public ProjectConfig {
    if (dailyBudgetUsd != null && (dailyBudgetUsd.signum() < 0 || dailyBudgetUsd.compareTo(MAX_USD) > 0)) {
      throw new IllegalArgumentException("daily_budget_usd: must be from 0 to " + MAX_USD.toPlainString());
    }
    maxEnqueuedTokens = maxEnqueuedTokens == null ? Map.of() : Map.copyOf(maxEnqueuedTokens);
    if (maxConcurrentRequests == null) maxConcurrentRequests = DEFAULT_MAX_CONCURRENT_REQUESTS;
    if (maxConcurrentRequests <= 0) {
      throw new IllegalArgumentException("max_concurrent_requests: must be positive, was " + maxConcurrentRequests);
    }
    maxEnqueuedTokens.forEach((model, limit) -> {
      if (limit == null || limit <= 0) {
        throw new IllegalArgumentException("max_enqueued_tokens." + model + ": must be a positive number of tokens");
      }
    });
  }

  public static final ProjectConfig NONE = new ProjectConfig(null, null, null);

  public ProjectConfig(BigDecimal dailyBudgetUsd, Map<String, Long> maxEnqueuedTokens) {
    this(dailyBudgetUsd, maxEnqueuedTokens, null);
  }

  /** The enqueued-token limit for {@code model}, if any. */
  public Long enqueuedTokenLimit(String model) {
    Long own = maxEnqueuedTokens.get(model);
    return own != null ? own : maxEnqueuedTokens.get(ANY_MODEL);
  }
}
