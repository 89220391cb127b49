package dev.barge.config;

import java.math.BigDecimal;

/**
 * {@code batch.canary:} before a large batch sends all its lines, a sample of them runs first; if too
 * many of the sample fail, the batch stops there.
 *
 * @param aboveLines batches with more request lines than this run a canary unless they turn it off
 * @param size lines in the sample
 * @param maxFailureRate the largest share of the sample that may fail, from 0 to 1
 */
public record CanaryConfig(Integer aboveLines, Integer size, BigDecimal maxFailureRate) {
  /** A sample is a sample: larger ones would also make every claim of the batch name each of its lines. */
  public static final int MAX_SIZE = 1000;
  public CanaryConfig {
    if (aboveLines == null) aboveLines = 1000;
    if (size == null) size = 20;
    if (maxFailureRate == null) maxFailureRate = new BigDecimal("0.5");
    if (aboveLines < 0) throw new IllegalArgumentException("canary.above_lines: must not be negative");
    if (size <= 0 || size > MAX_SIZE) throw new IllegalArgumentException("canary.size: must be from 1 to " + MAX_SIZE);
    Fractions.require("canary.max_failure_rate", maxFailureRate);
  }

  public static CanaryConfig defaults() {
    return new CanaryConfig(null, null, null);
  }
}
