package dev.barge.config;

import java.math.BigDecimal;

/** The check of every setting that is a share of something (a discount, a failure rate): 0 to 1. */
public final class Fractions {
  private Fractions() {}

  public static void require(String key, BigDecimal value) {
    if (value.signum() < 0 || value.compareTo(BigDecimal.ONE) > 0) {
      throw new IllegalArgumentException(key + ": must be between 0 and 1 (0.5 = a half), was " + value.toPlainString());
    }
  }
}
