package dev.barge.batch;

import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchStatus;
import dev.barge.config.TimeWindow;
import java.time.Duration;
import java.time.Instant;

/**
 * When a running batch should be done, at the pace it has kept so far inside its windows, and whether
 * that is before it expires. Null fields mean there is nothing to go on yet (nothing finished) or the
 * batch is not running.
 *
 * @param completionAt the estimated end, or null
 * @param fitsBeforeExpiry whether the rest of the work fits before {@code expires_at}, or null when unknown
 */
public record Estimate(Instant completionAt, Boolean fitsBeforeExpiry) {
  public static final Estimate NONE = new Estimate(null, null);
  /** How far past the deadline an estimate still looks; later is "not before it expires". */
  private static final Duration HORIZON = Duration.ofDays(2);

  static Estimate of(BatchRecord b, Instant now) {
    Long startedAt = b.enteredAt(BatchStatus.IN_PROGRESS);
    int done = b.completed() + b.failed();
    int remaining = b.total() - done;
    if (b.status() != BatchStatus.IN_PROGRESS || startedAt == null || remaining <= 0) return NONE;
    Instant expiresAt = Instant.ofEpochMilli(b.expiresAt());
    if (!TimeWindow.anyContains(b.windows(), now)
        && !TimeWindow.nextOpen(b.windows(), now).isBefore(expiresAt)) {
      return new Estimate(null, false); // no window opens again before the deadline
    }
    long openSoFar = TimeWindow.openMillisBetween(b.windows(), Instant.ofEpochMilli(startedAt), now);
    if (done == 0 || openSoFar < 1_000) return NONE;
    long needed = (long) ((double) openSoFar / done * remaining);
    Instant at = TimeWindow.afterOpenTime(b.windows(), now, needed, expiresAt.plus(HORIZON));
    return new Estimate(at, at != null && at.isBefore(expiresAt));
  }
}
