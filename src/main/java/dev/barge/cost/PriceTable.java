package dev.barge.cost;

import dev.barge.config.BargeConfig;
import dev.barge.config.ModelPrice;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Prices from the config's {@code pricing:} (real-time USD per million tokens per model) and the
 * discounts of the batch and flex tiers. Costs are worked out exactly in decimal and rounded once, to
 * the picodollar ({@link Money}). A model with no entry costs nothing, and {@link #prices} says so.
 */
public final class PriceTable {
  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

  private final Map<String, ModelPrice> prices;
  private final BigDecimal batchDiscount;
  private final BigDecimal flexDiscount;

  public PriceTable(Map<String, ModelPrice> prices, BigDecimal batchDiscount, BigDecimal flexDiscount) {
    this.prices = Map.copyOf(prices);
    this.batchDiscount = batchDiscount;
    this.flexDiscount = flexDiscount;
  }

  public static PriceTable of(BargeConfig config) {
    return new PriceTable(config.pricing(), config.batch().discount(), config.server().flexDiscount());
  }

  public boolean prices(String model) {
    return prices.containsKey(model);
  }

  /**
   * What a request with this usage costs in {@code tier}, in picodollars. {@code cachedTokens} are part
   * of {@code inputTokens} (as providers report them) and are charged at the cached-input price.
   */
  public long cost(String model, long inputTokens, long cachedTokens, long outputTokens, Tier tier) {
    BigDecimal discount = switch (tier) {
      case STANDARD -> BigDecimal.ZERO;
      case FLEX -> flexDiscount;
      case BATCH -> batchDiscount;
    };
    return cost(model, inputTokens, cachedTokens, outputTokens, discount);
  }

  /** The same at a given fraction off the list price: a provider's own batch discount. */
  public long cost(String model, long inputTokens, long cachedTokens, long outputTokens, BigDecimal discount) {
    ModelPrice price = prices.get(model);
    if (price == null) return 0;
    long cached = Math.min(Math.max(cachedTokens, 0), inputTokens);
    BigDecimal full = price.inputPerMillion().multiply(BigDecimal.valueOf(inputTokens - cached))
        .add(price.cachedInputPerMillion().multiply(BigDecimal.valueOf(cached)))
        .add(price.outputPerMillion().multiply(BigDecimal.valueOf(outputTokens)))
        .divide(MILLION);
    return Money.picos(full.multiply(BigDecimal.ONE.subtract(discount)));
  }
}
