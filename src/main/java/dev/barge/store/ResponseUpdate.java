package dev.barge.store;

import dev.barge.cost.Tier;
import dev.barge.cost.Usage;

/** What became of a leased background response. Applied only while the row is still leased by {@code leaseOwner}. */
public sealed interface ResponseUpdate {
  String id();

  String leaseOwner();

  /**
   * The response ended in {@code status} ({@code completed}, {@code incomplete} or {@code failed}): with the
   * backend's Response object ({@code result}), or with an error when there is none. Its price, in
   * picodollars at {@code tier} and at list price, goes to its project's spend.
   */
  record Finished(String id, String leaseOwner, String project, String status, String result, String errorCode,
      String errorMessage, Usage usage, Tier tier, long cost, long listCost, long endedAt) implements ResponseUpdate {}

  /** Try again, not before {@code nextAttemptAt}. */
  record Requeued(String id, String leaseOwner, long nextAttemptAt) implements ResponseUpdate {}
}
