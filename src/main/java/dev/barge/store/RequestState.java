package dev.barge.store;

import java.util.Locale;

/** {@code queued → leased → succeeded | failed | expired | cancelled}; {@code leased → queued} to retry. */
public enum RequestState {
  QUEUED,
  LEASED,
  SUCCEEDED,
  FAILED,
  EXPIRED,
  CANCELLED;

  String column() {
    return name().toLowerCase(Locale.ROOT);
  }

  static RequestState ofColumn(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
