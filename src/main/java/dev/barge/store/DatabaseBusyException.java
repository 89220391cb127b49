package dev.barge.store;

import java.time.Duration;

/**
 * No database connection came free in time: every one of the pool is busy. Nothing was read or written;
 * the same work can succeed a moment later, so an API caller is told to try again (503 with
 * {@code retry-after}), not that the server failed.
 */
public final class DatabaseBusyException extends StoreException {
  private final Duration retryAfter;

  public DatabaseBusyException(String message, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.retryAfter = retryAfter;
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
