package dev.barge.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;

/**
 * Numbers from a caller's JSON, checked before any arithmetic whose cost grows with their exponent:
 * {@code 1e-16000000} is a short text, but rounding it, printing it plainly or converting it to a long
 * builds 10^16000000. Only operations bounded by the digits written are used until a value is known
 * to be small (stripping trailing zeros, comparing: BigDecimal compares differing exponents at once).
 */
final class CallerNumbers {
  /** Longer than any amount or rate written by hand; a longer decimal string is not parsed. */
  private static final int MAX_TEXT = 64;

  private CallerNumbers() {}

  /**
   * A decimal of at most {@code maxDecimals} decimals and at most {@code maxMagnitude} either side of 0,
   * from a JSON number or, when {@code textAllowed}, a decimal string such as {@code "12.50"}; normalized
   * (no trailing zeros, no exponent: its plain text is short). Null when the node is no such number.
   */
  static BigDecimal decimal(JsonNode node, boolean textAllowed, int maxDecimals, BigDecimal maxMagnitude) {
    BigDecimal value;
    if (node.isNumber()) {
      value = node.decimalValue();
    } else if (textAllowed && node.isTextual() && node.textValue().length() <= MAX_TEXT) {
      try {
        value = new BigDecimal(node.textValue().strip());
      } catch (NumberFormatException e) {
        return null;
      }
    } else {
      return null;
    }
    value = value.stripTrailingZeros();
    if (value.scale() > maxDecimals || value.abs().compareTo(maxMagnitude) > 0) return null;
    return value.scale() < 0 ? value.setScale(0) : value; // cheap now: the value is at most maxMagnitude
  }

  /** A whole number from {@code min} to {@code max} ({@code 2} or {@code 2.0}; not 2.5, "2" or 1e30); null otherwise. */
  static Long whole(JsonNode node, long min, long max) {
    if (!node.isNumber()) return null;
    BigDecimal value = node.decimalValue();
    if (value.compareTo(BigDecimal.valueOf(min)) < 0 || value.compareTo(BigDecimal.valueOf(max)) > 0) return null;
    value = value.stripTrailingZeros();
    return value.scale() > 0 ? null : value.longValueExact();
  }
}
