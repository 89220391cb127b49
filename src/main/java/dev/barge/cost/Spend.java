package dev.barge.cost;

/**
 * A batch's money, in picodollars (10^-12 USD): what its results cost, what they would have cost at the
 * real-time price, its budget, and whether dispatch stopped for a budget.
 *
 * @param maxCost the batch's budget, or null for none
 * @param stoppedReason the budget that stopped dispatch, while it is stopped; null otherwise
 * @param stoppedAt when it stopped, or null
 */
public record Spend(long cost, long listCost, Long maxCost, StopReason stoppedReason, Long stoppedAt) {
  public static Spend budget(Long maxCost) {
    return new Spend(0, 0, maxCost, null, null);
  }

  public long saved() {
    return listCost - cost;
  }
}
