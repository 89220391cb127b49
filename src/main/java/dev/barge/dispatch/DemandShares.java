package dev.barge.dispatch;

import java.util.Arrays;
import java.util.List;

/**
 * How the live nodes split one backend's limits by demand. Each node says which part of the limits it
 * wants (0 to 1); the parts are shared max-min fairly: a node that wants less than an equal share gets
 * what it wants, and the nodes that want more share the rest equally. When together they want less than
 * the whole, what is left is spread evenly, so each has room to grow before it must ask. Every node
 * computes this from the same rows and applies only its own part.
 */
final class DemandShares {
  /**
   * The least a node is counted as wanting, even with nothing to do: the first calls of new work there
   * start at once, without waiting for the next renewal.
   */
  static final double FLOOR = 0.01;

  private DemandShares() {}

  /** The part a node wanting {@code wants} should hold beside nodes wanting {@code othersWant}. */
  static double target(double wants, List<Double> othersWant) {
    int n = othersWant.size() + 1;
    double floor = Math.min(FLOOR, 1.0 / n);
    double own = Math.max(wants, floor);
    double[] demands = new double[n];
    demands[0] = own;
    for (int i = 1; i < n; i++) demands[i] = Math.max(othersWant.get(i - 1), floor);
    double sum = Arrays.stream(demands).sum();
    if (sum <= 1) return own + (1 - sum) / n;
    return Math.min(own, waterLevel(demands));
  }

  /**
   * The level at which each node's part is the lesser of its demand and the level, and the parts fill the
   * whole exactly (the demands add up to more than the whole).
   */
  private static double waterLevel(double[] demands) {
    double[] sorted = demands.clone();
    Arrays.sort(sorted);
    double left = 1;
    for (int i = 0; i < sorted.length; i++) {
      double level = left / (sorted.length - i);
      if (sorted[i] >= level) return level;
      left -= sorted[i];
    }
    return sorted[sorted.length - 1]; // not reached while the demands exceed the whole
  }

  /**
   * What a node may hold now on its way to {@code target}: no more than the others leave free. A node
   * above its target gives its excess back at its own next renewal; until then the others wait for it.
   */
  static double grant(double target, List<Double> othersHold) {
    double othersSum = othersHold.stream().mapToDouble(Double::doubleValue).sum();
    return Math.max(0, Math.min(target, 1 - othersSum));
  }
}
