package dev.barge.dispatch;

/**
 * How many calls a backend may have in flight, learned by AIMD: each success adds about one call per
 * round trip's worth of successes, each overload answer (429, 503) halves it, down to one. It never
 * exceeds its ceiling: the configured {@code max_concurrency}, or this node's share of it. Halving happens at most once per {@code calmMillis},
 * so the burst of overload answers from one episode counts once.
 */
final class AdaptiveLimit {
  private static final long CALM_MILLIS = 1_000;

  private int max;
  private double limit;
  private long lastDecrease = Long.MIN_VALUE / 2;

  AdaptiveLimit(int max) {
    this.max = max;
    this.limit = max;
  }

  /** A new ceiling (this node's share of {@code max_concurrency} when nodes join or leave). */
  synchronized void capAt(int newMax) {
    max = newMax;
    limit = Math.min(limit, max);
  }

  synchronized int current() {
    return (int) limit;
  }

  synchronized void succeeded() {
    limit = Math.min(max, limit + 1 / limit);
  }

  synchronized void overloaded(long now) {
    if (now - lastDecrease < CALM_MILLIS) return;
    lastDecrease = now;
    limit = Math.max(1, limit / 2);
  }
}
