package dev.barge.batch;

/** The caller's project has spent what its budget allows; trying again soon will not help. */
public final class BudgetExceededException extends RuntimeException {
  public BudgetExceededException(String message) {
    super(message);
  }
}
