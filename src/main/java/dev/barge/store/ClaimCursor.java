package dev.barge.store;

/**
 * Where one dispatcher's claims of one batch stand, so that a claim need not step over what earlier
 * claims took. On PostgreSQL a claimed row's entry stays in the claim index until VACUUM removes it
 * (autovacuum looks once a minute), and claims that always started at the beginning of a batch would
 * walk every row claimed so far: each claim of a large batch would cost more than the one before.
 *
 * <p>Due retries are claimed first, in order of due time from after the last one taken, then never-tried
 * rows in claim order (their rank) from after the last one taken. A row can come back behind the cursor: a lease given
 * back, a claim of another node that rolled back or was lost in a database crash, a retry due earlier
 * than one already taken (clocks of two nodes). So the cursor starts over every
 * {@link #RESTART_EVERY_MS}: such a row waits that long at most. Used by one thread at a time.
 */
public final class ClaimCursor {
  static final long RESTART_EVERY_MS = 5_000;

  /** Never-tried rows ranked before this were taken. */
  long freshFrom;
  /** The last claim found no never-tried row from {@code freshFrom} on. */
  boolean freshDone;
  /** Retries up to this due time and rank were taken. */
  long dueFrom;
  long dueRankFrom = -1;
  private long restartedAt = Long.MIN_VALUE / 2; // "long ago", without overflowing now - restartedAt

  void restartIfDue(long now) {
    if (now - restartedAt < RESTART_EVERY_MS) return;
    restartedAt = now;
    freshFrom = 0;
    freshDone = false;
    dueFrom = 0;
    dueRankFrom = -1;
  }
}
