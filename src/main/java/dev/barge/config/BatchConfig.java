package dev.barge.config;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * {@code batch:} limits and engine timing for batches.
 *
 * @param discount price reduction of batch work against real-time prices (0.5 = half price)
 * @param maxRequests request lines allowed in one batch
 * @param maxFileBytes largest accepted input file
 * @param maxCompletionWindow longest {@code completion_window} a batch may ask for
 * @param maxReportedErrors how many bad lines a failed validation lists
 * @param maxAttempts upstream attempts per request before its last answer becomes final
 * @param initialBackoff first retry delay (full jitter: a random delay up to this, doubling per attempt)
 * @param maxBackoff cap of the retry delay
 * @param cancelGrace how long in-flight calls of a cancelled batch may still finish
 * @param maxCreationsPerHour batches one project may create in any hour
 * @param maxLineBytes longest request line accepted in an input file
 * @param canary the sample a batch runs before the rest of its lines, unless it says otherwise
 * @param budgetHold how long a batch stopped by its own budget waits for the budget to be raised before
 *     its remaining lines end with {@code budget_exceeded}
 * @param resultsRetention how long after its creation an ended batch keeps its per-request results (partial
 *     results, error groups, message batch results); then they are archived (deleted). Files keep their own
 *     expiry.
 * @param maxValidationsPerProject validations of one project's batches that run at once on a node; its other
 *     new batches wait their turn (still {@code validating}), none is refused
 * @param maxDryRunsPerProject dry runs of one project at once on a node; past that, create answers 429
 * @param maxEventStreamsPerProject progress streams ({@code GET /v1/batches/{id}/events}) one project may hold
 *     open at once on a node; past that, 429
 * @param cache the response cache across batches: whether batches use it unless they say, and for how long
 *     an answer may be reused
 * @param groupPrefixes whether lines that share a long prompt prefix are claimed one after another, so a
 *     self-hosted engine's prefix cache still holds it (default true)
 */
public record BatchConfig(
    BigDecimal discount,
    Integer maxRequests,
    Long maxFileBytes,
    String maxCompletionWindow,
    Integer maxReportedErrors,
    Integer maxAttempts,
    String initialBackoff,
    String maxBackoff,
    String cancelGrace,
    Integer maxCreationsPerHour,
    Integer maxLineBytes,
    CanaryConfig canary,
    String budgetHold,
    String resultsRetention,
    Integer maxValidationsPerProject,
    Integer maxDryRunsPerProject,
    Integer maxEventStreamsPerProject,
    CacheConfig cache,
    Boolean groupPrefixes) {

  public BatchConfig {
    if (discount == null) discount = new BigDecimal("0.5");
    if (maxRequests == null) maxRequests = 1_000_000;
    if (maxFileBytes == null) maxFileBytes = 2_147_483_648L;
    if (maxCompletionWindow == null) maxCompletionWindow = "30d";
    if (maxReportedErrors == null) maxReportedErrors = 1000;
    if (maxAttempts == null) maxAttempts = 10;
    if (initialBackoff == null) initialBackoff = "1s";
    if (maxBackoff == null) maxBackoff = "5m";
    if (cancelGrace == null) cancelGrace = "10m";
    if (maxCreationsPerHour == null) maxCreationsPerHour = 2000;
    if (maxCreationsPerHour <= 0) throw new IllegalArgumentException("max_creations_per_hour: must be positive");
    if (maxLineBytes == null) maxLineBytes = 64 * 1024 * 1024;
    if (maxLineBytes <= 0) throw new IllegalArgumentException("max_line_bytes: must be positive");
    Fractions.require("discount", discount);
    if (maxRequests <= 0) throw new IllegalArgumentException("max_requests: must be positive");
    if (maxFileBytes <= 0) throw new IllegalArgumentException("max_file_bytes: must be positive");
    if (maxReportedErrors <= 0) throw new IllegalArgumentException("max_reported_errors: must be positive");
    if (maxAttempts <= 0) throw new IllegalArgumentException("max_attempts: must be positive");
    Durations.require("max_completion_window", maxCompletionWindow);
    Durations.require("initial_backoff", initialBackoff);
    Durations.require("max_backoff", maxBackoff);
    Durations.require("cancel_grace", cancelGrace);
    if (canary == null) canary = CanaryConfig.defaults();
    if (budgetHold == null) budgetHold = "1h";
    Durations.require("budget_hold", budgetHold);
    if (resultsRetention == null) resultsRetention = "29d";
    Durations.require("results_retention", resultsRetention);
    maxValidationsPerProject = positive("max_validations_per_project", maxValidationsPerProject, 2);
    maxDryRunsPerProject = positive("max_dry_runs_per_project", maxDryRunsPerProject, 2);
    maxEventStreamsPerProject = positive("max_event_streams_per_project", maxEventStreamsPerProject, 10);
    if (cache == null) cache = CacheConfig.defaults();
    if (groupPrefixes == null) groupPrefixes = true;
  }

  private static int positive(String key, Integer value, int defaultValue) {
    if (value == null) return defaultValue;
    if (value <= 0) throw new IllegalArgumentException(key + ": must be positive");
    return value;
  }

  public static BatchConfig defaults() {
    return new BatchConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null);
  }

  public Duration maxWindow() {
    return Durations.parse(maxCompletionWindow);
  }

  public Duration initialBackoffDuration() {
    return Durations.parse(initialBackoff);
  }

  public Duration maxBackoffDuration() {
    return Durations.parse(maxBackoff);
  }

  public Duration budgetHoldDuration() {
    return Durations.parse(budgetHold);
  }

  public Duration resultsRetentionDuration() {
    return Durations.parse(resultsRetention);
  }

  public Duration cancelGraceDuration() {
    return Durations.parse(cancelGrace);
  }
}
