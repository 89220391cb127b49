package dev.barge.store;

/**
 * Where one dispatcher's claims of one batch stand, so that a claim need not step over what earlier
 * claims took. On PostgreSQL a claimed row's entry stays in the claim index until VACUUM removes it
 * (autovacuum looks once a minute), and claims that always started at the beginning of a batch would
 * walk every row claimed so far: each claim of a large batch would cost more than the one before.
 *
 * <p>Never-tried rows are claimed in line order from {@code freshFrom}; due retries (and leases given
 * back, which are made due again) sort by their due time after them. Rows a claim can leave behind the
 * cursor (another node's claim that rolled back) are found by a full claim, at most every
 * {@link #FULL_CLAIM_EVERY_MS} per batch, once nothing else is left. Used by one thread at a time.
 */
public final class ClaimCursor {
  static final long FULL_CLAIM_EVERY_MS = 5_000;

  /** Never-tried rows before this line were claimed already (by this node or another). */
  int freshFrom;
  /** No never-tried row was left after {@code freshFrom} at the last claim. */
  boolean freshDone;
  long lastFullClaim = Long.MIN_VALUE / 2; // "long ago", without overflowing now - lastFullClaim
}
