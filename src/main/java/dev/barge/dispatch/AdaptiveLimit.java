package dev.barge.dispatch;

/**
 * How many calls a backend may have in flight, learned by AIMD: each success adds about one call per
 * round trip's worth of successes; overload halves it, down to one. It never exceeds its ceiling: the
 * configured {@code max_concurrency}, or this node's share of it.
 *
 * <p>Overload is judged from a window of the last {@value #WINDOW} answers, not from one answer: a hosted
 * API answers an odd 503 or 429 among thousands of successes, and halving on each of those collapses the
 * limit under an ordinary 1–5 % fault mix. Only when at least a fifth of the window (and three answers)
 * are 429/503 is the backend overloaded; then the limit halves, at most once per {@value #CALM_MILLIS}
 * ms, so the burst of answers from one episode counts once.
 */
final class AdaptiveLimit {
  private static final long CALM_MILLIS = 1_000;
  static final int WINDOW = 50;
  private static final double OVERLOAD_SHARE = 0.2;
  private static final int MIN_OVERLOADS = 3;

  private int max;
  private double limit;
  private long lastDecrease = Long.MIN_VALUE / 2;
  private final boolean[] window = new boolean[WINDOW]; // true: that answer said overload
  private int next;
  private int answers;
  private int overloads;

  AdaptiveLimit(int max) {
    this.max = max;
    this.limit = max;
  }

  /**
   * A new ceiling (this node's share of {@code max_concurrency}, which follows its demand). A limit that
   * stood at the old ceiling moves to the new one at once: it was held there by the share, not by overload.
   */
  synchronized void capAt(int newMax) {
    boolean atCeiling = limit >= max;
    max = newMax;
    limit = atCeiling ? max : Math.min(limit, max);
  }

  synchronized int current() {
    return (int) limit;
  }

  /** A success: the limit grows. */
  synchronized void succeeded() {
    remember(false);
    limit = Math.min(max, limit + 1 / limit);
  }

  /** An answer that is neither a success nor an overload (a 500, a rejection): it dilutes the window. */
  synchronized void answeredOtherwise() {
    remember(false);
  }

  /** A 429 or 503. Halves the limit when the window says the backend is overloaded; returns whether it did. */
  synchronized boolean overloaded(long now) {
    remember(true);
    if (!overloadedNow() || now - lastDecrease < CALM_MILLIS) return false;
    lastDecrease = now;
    limit = Math.max(1, limit / 2);
    return true;
  }

  /** Whether enough of the recent answers were 429/503 to call it overload rather than noise. */
  synchronized boolean overloadedNow() {
    return overloads >= Math.max(MIN_OVERLOADS, Math.ceil(OVERLOAD_SHARE * answers));
  }

  private void remember(boolean overload) {
    if (answers == WINDOW) {
      if (window[next]) overloads--;
    } else {
      answers++;
    }
    window[next] = overload;
    if (overload) overloads++;
    next = (next + 1) % WINDOW;
  }
}
