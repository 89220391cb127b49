package dev.barge.store;

import java.time.Duration;

/**
 * The database cannot take writes: the disk holding it is full (SQLite's SQLITE_FULL, PostgreSQL's
 * {@code disk_full}). The write was rolled back whole, so nothing already saved is lost; it can succeed once
 * space is freed. An API caller is told so with 503 and {@code retry-after}, not that the server failed.
 */
public final class DatabaseFullException extends StoreException {
  /** How long a caller is asked to wait: freeing a disk takes someone's action. */
  public static final Duration RETRY_AFTER = Duration.ofSeconds(30);

  DatabaseFullException(String message, Throwable cause) {
    super(message, cause);
  }
}
