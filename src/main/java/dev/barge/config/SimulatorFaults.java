package dev.barge.config;

/**
 * Faults a simulated backend mixes into its answers the way hosted APIs fail, beside the plain 500s and 429s
 * of {@link SimulatorConfig}. Each rate is a fraction of the requests it admits.
 *
 * @param unavailableRate answered 503 at once, with the {@code retry_after_ms} of the simulator
 * @param resetRate connection reset after the latency, with no answer at all
 * @param truncatedRate answered 200 after the latency, but the JSON body is cut off halfway
 * @param slowRate answered 200, but only after {@code slow_ms}
 * @param slowMs how long a slow answer takes (default 3000)
 */
public record SimulatorFaults(Double unavailableRate, Double resetRate, Double truncatedRate, Double slowRate,
    Integer slowMs) {
  public static final SimulatorFaults NONE = new SimulatorFaults(null, null, null, null, null);

  public SimulatorFaults {
    unavailableRate = fraction("unavailable_rate", unavailableRate);
    resetRate = fraction("reset_rate", resetRate);
    truncatedRate = fraction("truncated_rate", truncatedRate);
    slowRate = fraction("slow_rate", slowRate);
    if (slowMs == null) slowMs = 3000;
    if (slowMs < 0) throw new IllegalArgumentException("slow_ms: must not be negative");
    if (total(unavailableRate, resetRate, truncatedRate, slowRate) > 1) {
      throw new IllegalArgumentException("the fault rates together must not exceed 1");
    }
  }

  /** The share of requests these faults take. */
  public double total() {
    return total(unavailableRate, resetRate, truncatedRate, slowRate);
  }

  private static double total(double... rates) {
    double sum = 0;
    for (double r : rates) sum += r;
    return sum;
  }

  private static double fraction(String key, Double value) {
    if (value == null) return 0.0;
    if (value < 0 || value > 1 || value.isNaN()) throw new IllegalArgumentException(key + ": must be between 0 and 1");
    return value;
  }
}
