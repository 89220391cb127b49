package dev.barge.batch.model;

import java.util.List;
import java.util.Locale;

/** The status machine of a batch (spec §5). */
public enum BatchStatus {
  VALIDATING,
  FAILED,
  IN_PROGRESS,
  FINALIZING,
  COMPLETED,
  EXPIRED,
  CANCELLING,
  CANCELLED;

  /** The statuses entered after creation, each with its own {@code <status>_at} time. */
  public static final List<BatchStatus> ENTERED_LATER =
      List.of(IN_PROGRESS, FINALIZING, COMPLETED, FAILED, EXPIRED, CANCELLING, CANCELLED);

  public boolean terminal() {
    return this == COMPLETED || this == FAILED || this == EXPIRED || this == CANCELLED;
  }

  /** The wire and column name, e.g. {@code in_progress}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static BatchStatus ofWireName(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }

  /** The column holding the time this status was entered, e.g. {@code in_progress_at}. */
  public String timestampColumn() {
    return wireName() + "_at";
  }
}
