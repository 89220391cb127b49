package dev.barge.dispatch;

/**
 * Stops sending to a backend that keeps failing (no answer, 502-504), so a dead backend does not burn
 * every request's attempts: after {@code FAILURES_TO_OPEN} failures in a row it opens for a while
 * (5 s, doubling up to 2 min while it keeps failing), then lets one probe through; the probe's
 * success closes it.
 */
final class CircuitBreaker {
  static final int FAILURES_TO_OPEN = 5;
  private static final long FIRST_OPEN_MILLIS = 5_000;
  private static final long LONGEST_OPEN_MILLIS = 120_000;

  enum State { CLOSED, OPEN, HALF_OPEN }

  private int failuresInARow;
  private long openUntil;
  private long openFor = FIRST_OPEN_MILLIS;
  private boolean probing;
  private boolean opened;

  /** How many calls may start now: unlimited when closed, one probe when half open, none when open. */
  synchronized int allowance(long now) {
    return switch (state(now)) {
      case CLOSED -> Integer.MAX_VALUE;
      case HALF_OPEN -> probing ? 0 : 1;
      case OPEN -> 0;
    };
  }

  synchronized void started(long now) {
    if (state(now) == State.HALF_OPEN) probing = true;
  }

  synchronized State state(long now) {
    if (!opened) return State.CLOSED;
    return now < openUntil ? State.OPEN : State.HALF_OPEN;
  }

  /** A call ended without telling whether the backend works: a probe it was may be sent again. */
  synchronized void released() {
    probing = false;
  }

  synchronized void succeeded() {
    failuresInARow = 0;
    opened = false;
    probing = false;
    openFor = FIRST_OPEN_MILLIS;
  }

  /** @return true when this failure opened the breaker */
  synchronized boolean failed(long now) {
    failuresInARow++;
    boolean wasProbe = probing;
    probing = false;
    if (wasProbe || (!opened && failuresInARow >= FAILURES_TO_OPEN)) {
      if (wasProbe) openFor = Math.min(LONGEST_OPEN_MILLIS, openFor * 2);
      opened = true;
      openUntil = now + openFor;
      return true;
    }
    return false;
  }
}
