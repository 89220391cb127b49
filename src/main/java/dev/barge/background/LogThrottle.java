package dev.barge.background;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets a failure that repeats many times a second (a full disk, an overload) be logged once every
 * {@link #EVERY_MILLIS}: one line per event that matters, not one per request or per round.
 */
public final class LogThrottle {
  public static final long EVERY_MILLIS = 10_000;
  /** Appended to a throttled line, so a reader knows the next ones were left out. */
  public static final String MORE_NOT_LOGGED = "more in the next " + EVERY_MILLIS / 1000 + " s are not logged";

  private final AtomicLong lastLogged = new AtomicLong(Long.MIN_VALUE / 2);

  /** Whether a line may be logged now; true at most once every {@link #EVERY_MILLIS}, across threads. */
  public boolean due() {
    long now = System.currentTimeMillis();
    long last = lastLogged.get();
    return now - last >= EVERY_MILLIS && lastLogged.compareAndSet(last, now);
  }
}
