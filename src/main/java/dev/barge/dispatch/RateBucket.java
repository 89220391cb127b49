package dev.barge.dispatch;

/**
 * A token bucket that refills at a steady rate and may go into debt: a request larger than what is
 * left still starts once the bucket is not empty, and the next ones wait until the debt is paid. The
 * burst is small (a second's worth), so Barge spreads its requests over the minute instead of sending
 * a minute's worth at once and counting on the backend's own bucket being full.
 */
final class RateBucket {
  private final double perMilli;
  private final double capacity;
  private double level;
  private long updatedAt;

  /** {@code perMinute} units a minute, starting with one second's worth. */
  RateBucket(long perMinute, long now) {
    this.perMilli = perMinute / 60_000.0;
    this.capacity = Math.max(1, perMinute / 60.0);
    this.level = capacity;
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

  private void refill(long now) {
    if (now > updatedAt) {
      level = Math.min(capacity, level + (now - updatedAt) * perMilli);
      updatedAt = now;
    }
  }
}
