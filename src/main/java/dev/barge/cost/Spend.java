package dev.barge.cost;

/**
 * A batch's money, in picodollars (10^-12 USD): what its results cost, what they would have cost at the
 * real-time price, its budget, and whether dispatch stopped for a budget.
 *
 * @param maxCost the batch's budget, or null for none
 * @param stoppedReason {@code batch_budget} or {@code project_budget} while dispatch is stopped; null otherwise
 * @param stoppedAt when it stopped, or null
 */
public record Spend(long cost, long listCost, Long maxCost, String stoppedReason, Long stoppedAt) {
  public static final String BATCH_BUDGET = "batch_budget";
  public static final String PROJECT_BUDGET = "project_budget";

  public static Spend budget(Long maxCost) {
    return new Spend(0, 0, maxCost, null, null);
  }

  public long saved() {
    return listCost - cost;
  }
}
