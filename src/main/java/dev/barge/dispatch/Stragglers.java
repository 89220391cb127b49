package dev.barge.dispatch;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The batch calls of one backend that have run far longer than its calls usually take. Such a call is more
 * likely stuck (a connection gone quiet, an upstream that lost it) than working: left in the count it holds
 * its slot for its whole timeout, and a few in a thousand of them take a large share of the concurrency limit
 * — at 3,000 calls a second, answers of 3 s for one call in 200 hold 45 slots of 64. So a call that has run
 * {@value #TIMES_TYPICAL} times the typical answer time (and {@value #MIN_MILLIS} ms at least) stops counting
 * against the limit, up to half the limit again of them: a backend that is slow across the board raises the
 * typical time with it, and overload (429s and 503s) still shrinks the limit itself.
 *
 * <p>Synchronisation: the set of open calls is concurrent; the typical time is guarded by this object.
 */
final class Stragglers {
  static final long MIN_MILLIS = 1_000;
  static final int TIMES_TYPICAL = 10;
  /** Weight of the newest answer in the typical time. */
  private static final double SMOOTHING = 0.05;

  private final Set<Permit> open = ConcurrentHashMap.newKeySet();
  private double typicalMillis;

  void opened(Permit permit) {
    open.add(permit);
  }

  void closed(Permit permit) {
    open.remove(permit);
  }

  /** A call was answered successfully in {@code millis}: the typical answer time follows. */
  synchronized void answeredIn(long millis) {
    typicalMillis = typicalMillis == 0 ? millis : typicalMillis + SMOOTHING * (millis - typicalMillis);
  }

  /** How long a call runs before it is a straggler. */
  synchronized long threshold() {
    return Math.max(MIN_MILLIS, Math.round(TIMES_TYPICAL * typicalMillis));
  }

  /** How many calls in flight do not count against {@code limit} now: the stragglers, at most half the limit. */
  int uncounted(int limit, long now) {
    long since = now - threshold();
    int n = 0;
    for (Permit p : open) {
      if (p.startedAt() < since) n++;
    }
    return Math.min(n, limit / 2);
  }
}
