package dev.barge.batch.model;

import java.util.Locale;

/** {@code queued → leased → succeeded | failed | expired | cancelled}; {@code leased → queued} to retry. */
public enum RequestState {
  QUEUED,
  LEASED,
  SUCCEEDED,
  FAILED,
  EXPIRED,
  CANCELLED;

  public String column() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static RequestState ofColumn(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
