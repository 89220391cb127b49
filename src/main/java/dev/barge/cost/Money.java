package dev.barge.cost;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Amounts of US dollars as whole picodollars (10^-12 USD) in a {@code long}: exact to add up in the
 * database, never floating point, and a million times finer than the smallest price per token anyone
 * quotes. The range ends near 9.2 million dollars, far beyond any one batch or day.
 */
public final class Money {
  private static final int SCALE = 12;

  private Money() {}

  /** Dollars to picodollars, rounding half to even below a picodollar. */
  public static long picos(BigDecimal usd) {
    return usd.movePointRight(SCALE).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
  }

  /** Picodollars to dollars, without trailing zeros (at least two decimals for whole-cent clarity). */
  public static BigDecimal usd(long picos) {
    BigDecimal usd = BigDecimal.valueOf(picos, SCALE).stripTrailingZeros();
    return usd.scale() < 2 ? usd.setScale(2) : usd;
  }
}
