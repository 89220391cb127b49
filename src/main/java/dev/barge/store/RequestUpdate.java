package dev.barge.store;

import dev.barge.cost.Tier;
import dev.barge.cost.Usage;

/** What became of a leased request. Applied only while the row is still leased by {@code leaseOwner}. */
public sealed interface RequestUpdate {
  String batchId();

  int line();

  String leaseOwner();

  /**
   * The request has its final outcome. {@code response} is the backend's JSON body when it answered
   * (status code set); otherwise {@code errorCode}/{@code errorMessage} say why there is none. {@code cost}
   * is what it was charged at {@code tier} (null until priced) and {@code listCost} what it would have cost
   * at the real-time list price, in picodollars.
   */
  record Finished(String batchId, int line, String leaseOwner, boolean succeeded, Integer statusCode,
      String requestId, String response, String errorCode, String errorMessage, Usage usage, long finishedAt,
      long cost, long listCost, Tier tier) implements RequestUpdate {

    /** An outcome not priced yet. */
    public Finished(String batchId, int line, String leaseOwner, boolean succeeded, Integer statusCode,
        String requestId, String response, String errorCode, String errorMessage, Usage usage, long finishedAt,
        long cost, long listCost) {
      this(batchId, line, leaseOwner, succeeded, statusCode, requestId, response, errorCode, errorMessage, usage,
          finishedAt, cost, listCost, null);
    }

    /** The same outcome, priced: bought at {@code newTier} for {@code newCost}, {@code newListCost} at list price. */
    public Finished priced(Tier newTier, long newCost, long newListCost) {
      return new Finished(batchId, line, leaseOwner, succeeded, statusCode, requestId, response, errorCode,
          errorMessage, usage, finishedAt, newCost, newListCost, newTier);
    }
  }

  /** Try again, not before {@code nextAttemptAt}. */
  record Requeued(String batchId, int line, String leaseOwner, long nextAttemptAt) implements RequestUpdate {}
}
