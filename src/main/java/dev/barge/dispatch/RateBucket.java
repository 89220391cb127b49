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

  private double perMilli;
  private double capacity;
  private double level;
  private long updatedAt;
  private double taken; // units taken since the last {@link #takenSinceLastAsked}

  /** {@code perMinute} units a minute, starting with the burst's worth ({@code full}) or empty. */
  RateBucket(double perMinute, boolean full, long now) {
    this.perMilli = perMinute / 60_000.0;
    this.capacity = Math.max(1, perMilli * BURST_MILLIS);
    this.level = full ? capacity : 0;
    this.updatedAt = now;
  }

  /**
   * Refills at {@code perMinute} from now on. What is saved up stays, down to the new burst's worth, and so
   * does a debt: a share of a limit that changes every few seconds neither loses nor gains a burst each time.
   */
  synchronized void setRate(double perMinute, long now) {
    refill(now);
    perMilli = perMinute / 60_000.0;
    capacity = Math.max(1, perMilli * BURST_MILLIS);
    level = Math.min(level, capacity);
  }

  /** Units taken (net of those given back) since this was last asked: what this node used of its share. */
  synchronized double takenSinceLastAsked() {
    double t = taken;
    taken = 0;
    return t;
  }

  /** Whole units available now (0 while in debt). */
  synchronized long available(long now) {
    refill(now);
    return level <= 0 ? 0 : (long) Math.ceil(level);
  }

  synchronized void take(double units, long now) {
    refill(now);
    level -= units;
    taken += units;
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
