package dev.barge.dispatch;

import dev.barge.cost.TokenEstimate;
import dev.barge.cost.Usage;
import dev.barge.upstream.Outcome;

/**
 * One call's slot on a backend, from its start to its end: {@code try (permit) { … permit.observe(…); }}.
 * The backend learns from what it {@link #observe observes}; {@link #close} frees the slot however the call
 * went, and a call that ended without an outcome to learn from (its body could not be read, or it failed in
 * Barge) lets a circuit-breaker probe it was be sent again.
 *
 * <p>Used by one thread at a time: the dispatcher hands it to the call's thread, which alone uses it since.
 */
final class Permit implements AutoCloseable {
  private final BackendGate gate;
  private final boolean synchronous;
  private final long heldTokens;
  private final long startedAt;
  private TokenEstimate estimate; // what the call was counted for; null when tokens were not counted
  private boolean observed;
  private boolean closed;

  Permit(BackendGate gate, boolean synchronous, long heldTokens, long startedAt) {
    this.gate = gate;
    this.synchronous = synchronous;
    this.heldTokens = heldTokens;
    this.startedAt = startedAt;
  }

  boolean synchronous() {
    return synchronous;
  }

  /** When the call took its slot. */
  long startedAt() {
    return startedAt;
  }

  /**
   * Counts the call's tokens, when the backend has a tokens limit, and settles them against what the call
   * was held for at its start; {@link #observe} corrects the count by what the backend reports.
   */
  void charge(byte[] body, boolean generates, long now) {
    if (gate.tokens().counts()) estimate = gate.tokens().charge(body, generates, heldTokens, now);
  }

  /** Learns from how the call went; {@code usage} is what the backend reported for it. */
  void observe(Outcome outcome, Usage usage, long now) {
    gate.observe(this, outcome, estimate, usage, now);
    observed = true;
  }

  /** Ends the call and frees its slot; again does nothing. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    gate.ended(this, observed);
  }
}
