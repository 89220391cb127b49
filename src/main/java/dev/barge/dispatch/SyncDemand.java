package dev.barge.dispatch;

/**
 * How many synchronous calls a backend had in flight at most lately: the most seen in the current and
 * the previous 15-second period. Batch work leaves that many slots free while it lasts, so a steady
 * synchronous load keeps finding a slot at once; a rising one waits at most one batch call for more,
 * and the peak follows it.
 */
final class SyncDemand {
  private static final long PERIOD_MILLIS = 15_000;

  private long periodStart;
  private int current;
  private int previous;

  synchronized void saw(int inFlight, long now) {
    roll(now);
    current = Math.max(current, inFlight);
  }

  /** Slots to keep free: the recent peak, none when there was no synchronous call lately. */
  synchronized int reserve(long now) {
    roll(now);
    return Math.max(current, previous);
  }

  private void roll(long now) {
    if (now - periodStart < PERIOD_MILLIS) return;
    previous = now - periodStart < 2 * PERIOD_MILLIS ? current : 0;
    current = 0;
    periodStart = now;
  }
}
