package dev.barge.dispatch;

import java.util.function.Consumer;

/**
 * The slots a claim of batch work took at once on a backend, one {@link Permit} per claimed call. The
 * permits not handed out by {@link #close} (their calls could not be submitted: shutting down) give
 * everything back, requests and held tokens too, since those calls never start.
 *
 * <p>Used by the dispatcher thread only.
 */
final class BatchGrant implements AutoCloseable {
  private final BackendGate gate;
  private final long heldTokens;
  private final long startedAt;
  private int left;

  BatchGrant(BackendGate gate, int calls, long heldTokens, long startedAt) {
    this.gate = gate;
    this.left = calls;
    this.heldTokens = heldTokens;
    this.startedAt = startedAt;
  }

  /**
   * Hands the next permit to {@code submit}, which passes it on to the call's thread. When {@code submit}
   * throws, the permit counts as not handed out.
   */
  void handOut(Consumer<Permit> submit) {
    if (left == 0) throw new IllegalStateException("every permit of this grant is handed out");
    submit.accept(gate.batchPermit(heldTokens, startedAt));
    left--;
  }

  /** Tokens each call was held for at its start (0 without a tokens limit). */
  long heldTokens() {
    return heldTokens;
  }

  /** Gives back the permits not handed out. */
  @Override
  public void close() {
    gate.notStarted(left, heldTokens, startedAt);
    left = 0;
  }
}
