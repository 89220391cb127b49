package dev.barge.dispatch;

/**
 * A token bucket that refills at a steady rate and may go into debt: a request larger than what is
 * left still starts once the bucket is not empty, and the next ones wait until the debt is paid. The
 * burst is small (half a second's worth): Barge spreads its requests evenly instead of counting on the
 * backend's own bucket being full, and the backend's bucket keeps some slack for the jitter between
 * when Barge sends a call and when it arrives.
 */
final class RateBucket {
  private static final double BURST_MILLIS = 500;

  private final double perMilli;
  private final double capacity;
  private double level;
  private long updatedAt;

  /** {@code perMinute} units a minute, starting with the burst's worth ({@code full}) or empty. */
  RateBucket(double perMinute, boolean full, long now) {
    this.perMilli = perMinute / 60_000.0;
    this.capacity = Math.max(1, perMilli * BURST_MILLIS);
    this.level = full ? capacity : 0;
    this.updatedAt = now;
  }

  /** Whole units available now (0 while in debt). */
  synchronized long available(long now) {
    refill(now);
    return level <= 0 ? 0 : (long) Math.ceil(level);
  }

  synchronized void take(double units, long now) {
    refill(now);
    level -= units;
  }

  /** What the backend says is left, when that is less than this bucket thinks. */
  synchronized void atMost(long remaining, long now) {
    refill(now);
    level = Math.min(level, remaining);
  }

  /**
   * Nothing may be taken before {@code until}, and nothing saved up meanwhile: the bucket starts from
   * empty then, so the end of a pause releases no burst of calls at a backend that just refused some.
   */
  synchronized void emptyUntil(long until, long now) {
    refill(now);
    level = Math.min(level, -(until - now) * perMilli);
  }

  private void refill(long now) {
    if (now > updatedAt) {
      level = Math.min(capacity, level + (now - updatedAt) * perMilli);
      updatedAt = now;
    }
  }
}
