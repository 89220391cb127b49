package dev.barge.store;

/** The database failed; Barge's fault or the machine's, never the caller's. */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
