package dev.barge.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code provider_batch:} section of an {@code openai} or {@code anthropic} backend: its batch work runs
 * as the provider's own batch jobs (OpenAI Batch, Anthropic Message Batches) instead of real-time calls.
 *
 * @param maxRequestsPerJob the provider's limit of requests in one job
 * @param maxBytesPerJob the provider's limit of one job's input, e.g. {@code 200MB}
 * @param gather how long to wait to fill a job before sending a smaller one
 * @param pollEvery how often a running job is asked how it stands
 * @param spillBefore lines not finished this long before their batch's deadline run real-time instead
 * @param discount the provider's batch price against its real-time price, as a fraction off (0.5: half price)
 */
public record ProviderBatchConfig(Integer maxRequestsPerJob, String maxBytesPerJob, String gather, String pollEvery,
    String spillBefore, BigDecimal discount) {
  private static final Pattern SIZE = Pattern.compile("([0-9]{1,12})\\s*(B|KB|MB|GB)?");

  public ProviderBatchConfig {
    if (maxRequestsPerJob != null && maxRequestsPerJob <= 0) {
      throw new IllegalArgumentException("provider_batch.max_requests_per_job: must be positive");
    }
    if (maxBytesPerJob != null) parseBytes(maxBytesPerJob);
    if (gather == null) gather = "1m";
    if (pollEvery == null) pollEvery = "30s";
    if (spillBefore == null) spillBefore = "2h";
    Durations.require("provider_batch.gather", gather);
    Durations.require("provider_batch.poll_every", pollEvery);
    Durations.require("provider_batch.spill_before", spillBefore);
    if (discount == null) discount = new BigDecimal("0.5");
    if (discount.signum() < 0 || discount.compareTo(BigDecimal.ONE) >= 0) {
      throw new IllegalArgumentException("provider_batch.discount: must be at least 0 and below 1, was " + discount);
    }
  }

  /** The provider's own limits where the configuration leaves them out: OpenAI 50,000 / 200 MB, Anthropic 100,000 / 256 MB. */
  ProviderBatchConfig withLimitsOf(BackendType type) {
    boolean anthropic = type == BackendType.ANTHROPIC;
    return new ProviderBatchConfig(
        maxRequestsPerJob != null ? maxRequestsPerJob : anthropic ? 100_000 : 50_000,
        maxBytesPerJob != null ? maxBytesPerJob : anthropic ? "256MB" : "200MB",
        gather, pollEvery, spillBefore, discount);
  }

  public long maxBytes() {
    return parseBytes(maxBytesPerJob);
  }

  public Duration gatherFor() {
    return Durations.parse(gather);
  }

  public Duration pollInterval() {
    return Durations.parse(pollEvery);
  }

  public Duration spillLead() {
    return Durations.parse(spillBefore);
  }

  /** Sizes as the providers state their limits: {@code 200MB} is 200 × 1024 × 1024 bytes; a bare number is bytes. */
  static long parseBytes(String text) {
    Matcher m = SIZE.matcher(text.trim().toUpperCase(Locale.ROOT));
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw new IllegalArgumentException("provider_batch.max_bytes_per_job: '" + text
          + "' is not a size; use a positive number of bytes, KB, MB or GB (e.g. \"200MB\")");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    return switch (unit) {
      case "KB" -> n * 1024;
      case "MB" -> n * 1024 * 1024;
      case "GB" -> n * 1024 * 1024 * 1024;
      default -> n;
    };
  }
}
