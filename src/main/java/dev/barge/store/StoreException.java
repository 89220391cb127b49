package dev.barge.store;

/** The database failed; Barge's fault or the machine's, never the caller's. */
public sealed class StoreException extends RuntimeException permits DatabaseBusyException, DatabaseFullException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
