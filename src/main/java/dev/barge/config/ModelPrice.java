package dev.barge.config;

import java.math.BigDecimal;

/** One entry of {@code pricing:}: real-time prices of a model per million tokens, in USD. */
public record ModelPrice(BigDecimal inputPerMillion, BigDecimal cachedInputPerMillion, BigDecimal outputPerMillion) {
  public ModelPrice {
    if (inputPerMillion == null) throw new IllegalArgumentException("input_per_million: required");
    if (outputPerMillion == null) outputPerMillion = BigDecimal.ZERO;
    if (cachedInputPerMillion == null) cachedInputPerMillion = inputPerMillion;
    if (inputPerMillion.signum() < 0 || outputPerMillion.signum() < 0 || cachedInputPerMillion.signum() < 0) {
      throw new IllegalArgumentException("prices must not be negative");
    }
  }
}
