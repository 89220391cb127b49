package dev.barge.batch.model;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

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

  /** Statuses a batch leaves again: it still has work for the engine. */
  public static final Set<BatchStatus> ACTIVE =
      Collections.unmodifiableSet(EnumSet.of(VALIDATING, IN_PROGRESS, FINALIZING, CANCELLING));
  /** Active statuses of a batch that started: it holds its enqueued tokens against its project's quota. */
  public static final Set<BatchStatus> STARTED =
      Collections.unmodifiableSet(EnumSet.of(IN_PROGRESS, FINALIZING, CANCELLING));
  /** The terminal statuses: the batch has ended and never changes status again. */
  public static final Set<BatchStatus> ENDED =
      Collections.unmodifiableSet(EnumSet.of(COMPLETED, FAILED, EXPIRED, CANCELLED));

  public boolean terminal() {
    return ENDED.contains(this);
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
