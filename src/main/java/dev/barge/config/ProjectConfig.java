package dev.barge.config;

import java.math.BigDecimal;
import java.util.Map;

/**
 * One entry of {@code projects:}, the limits of a project (the project an API key acts for).
 *
 * @param dailyBudgetUsd the most the project's batches may spend in one UTC day; null for no limit
 * @param maxEnqueuedTokens per model, the most estimated prompt tokens the project may have queued in
 *     batches that have not ended; the key {@code "*"} applies to models not named
 */
public record ProjectConfig(BigDecimal dailyBudgetUsd, Map<String, Long> maxEnqueuedTokens) {
  public static final String ANY_MODEL = "*";
  /** The largest amount Barge counts in (a budget, a day's spend): far beyond any real batch. */
  public static final BigDecimal MAX_USD = new BigDecimal("1000000");

  public ProjectConfig {
    if (dailyBudgetUsd != null && (dailyBudgetUsd.signum() < 0 || dailyBudgetUsd.compareTo(MAX_USD) > 0)) {
      throw new IllegalArgumentException("daily_budget_usd: must be from 0 to " + MAX_USD.toPlainString());
    }
    maxEnqueuedTokens = maxEnqueuedTokens == null ? Map.of() : Map.copyOf(maxEnqueuedTokens);
    maxEnqueuedTokens.forEach((model, limit) -> {
      if (limit == null || limit <= 0) {
        throw new IllegalArgumentException("max_enqueued_tokens." + model + ": must be a positive number of tokens");
      }
    });
  }

  public static final ProjectConfig NONE = new ProjectConfig(null, null);

  /** The enqueued-token limit for {@code model}, if any. */
  public Long enqueuedTokenLimit(String model) {
    Long own = maxEnqueuedTokens.get(model);
    return own != null ? own : maxEnqueuedTokens.get(ANY_MODEL);
  }
}
