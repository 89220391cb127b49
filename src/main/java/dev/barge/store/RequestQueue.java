package dev.barge.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The queue side of the {@code requests} table: rows go in, are leased by claims, come back when a lease
 * is given up, and go out when their batch never started or its results are archived.
 */
public final class RequestQueue {
  private final Database db;

  public RequestQueue(Database db) {
    this.db = db;
  }

  /** Inserts validated lines as queued requests, all in one transaction. */
  public void insert(String batchId, List<NewRequest> rows) {
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO requests"
          + " (batch_id, line, custom_id, byte_offset, byte_length, state, cache_key, claim_rank)"
          + " VALUES (?,?,?,?,?,'queued',?,?)")) {
        for (NewRequest r : rows) {
          ps.setString(1, batchId);
          ps.setInt(2, r.line());
          ps.setString(3, r.customId());
          ps.setLong(4, r.offset());
          ps.setInt(5, r.length());
          ps.setString(6, r.cacheKey());
          ps.setLong(7, r.claimRank());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      return null;
    });
  }

  /** A line refused on its own (its batch goes on without it): it ends failed with this error at once. */
  public record RefusedRequest(NewRequest request, String errorCode, String errorMessage) {}

  /** Inserts refused lines as failed results, in one transaction. */
  public void insertRefused(String batchId, List<RefusedRequest> rows, long now) {
    if (rows.isEmpty()) return;
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO requests (batch_id, line, custom_id, byte_offset,"
          + " byte_length, state, error_code, error_message, finished_at) VALUES (?,?,?,?,?,'failed',?,?,?)")) {
        for (RefusedRequest r : rows) {
          ps.setString(1, batchId);
          ps.setInt(2, r.request().line());
          ps.setString(3, r.request().customId());
          ps.setLong(4, r.request().offset());
          ps.setInt(5, r.request().length());
          ps.setString(6, r.errorCode());
          ps.setString(7, r.errorMessage());
          ps.setLong(8, now);
          ps.addBatch();
        }
        ps.executeBatch();
      }
      return null;
    });
  }

  /**
   * Deletes up to {@code limit} request rows of a batch whose results are archived; returns how many went.
   * In steps, so that archiving a large batch holds no long transaction.
   */
  public int deleteArchived(String batchId, int limit) {
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM requests WHERE batch_id = ? AND line IN"
          + " (SELECT line FROM requests WHERE batch_id = ? ORDER BY line LIMIT ?)"
          + " AND EXISTS (SELECT 1 FROM batches WHERE id = ? AND archived_at IS NOT NULL)")) {
        ps.setString(1, batchId);
        ps.setString(2, batchId);
        ps.setInt(3, limit);
        ps.setString(4, batchId);
        return ps.executeUpdate();
      }
    });
  }

  /**
   * Deletes the rows of a batch that never started (validation left them, or it was cancelled before it
   * ran). Never the rows of a batch that entered {@code in_progress}: those are its results.
   */
  public void deleteUnstarted(String batchId) {
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM requests WHERE batch_id = ? AND NOT EXISTS"
          + " (SELECT 1 FROM batches WHERE id = ? AND in_progress_at IS NOT NULL)")) {
        ps.setString(1, batchId);
        ps.setString(2, batchId);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /**
   * Leases up to {@code limit} due requests of a batch that is in progress: due retries first, by due time,
   * then never-tried lines in claim order ({@code claim_rank}); only lines of {@code onlyLines} when that is not empty (a
   * canary's sample). {@code cursor} is this caller's position in the batch (see {@link ClaimCursor}).
   * The lease runs for {@code lease} on the database's clock, which every node reads alike.
   */
  public List<ClaimedRequest> claim(String batchId, int limit, long now, String owner, Duration lease,
      List<Integer> onlyLines, ClaimCursor cursor) {
    Lease leased = new Lease(batchId, owner, lease.toMillis(), false);
    if (!onlyLines.isEmpty()) {
      List<Long> params = new ArrayList<>(List.of(now));
      onlyLines.forEach(line -> params.add((long) line));
      return db.writeLeased(c -> claimWhere(c, leased, limit, " AND next_attempt_at <= ? AND line IN ("
          + String.join(",", Collections.nCopies(onlyLines.size(), "?")) + ")", params)).rows();
    }
    cursor.restartIfDue(now);
    FreshAndDue taken = db.writeLeased(c -> {
      // Due retries first: a line that failed has waited longest, and retrying it as soon as it is due
      // spreads retries over the batch instead of leaving them all for its end.
      Claimed due = claimWhere(c, leased, limit, " AND next_attempt_at > 0"
          + " AND next_attempt_at <= ? AND (next_attempt_at, claim_rank) > (?, ?)",
          List.of(now, cursor.dueFrom, cursor.dueRankFrom));
      int left = limit - due.rows().size();
      Claimed fresh = cursor.freshDone || left == 0 ? Claimed.NONE : claimWhere(c, leased, left,
          " AND next_attempt_at = 0 AND claim_rank >= ?", List.of(cursor.freshFrom));
      return new FreshAndDue(fresh, due, left);
    });
    Claimed fresh = taken.fresh();
    Claimed due = taken.due();
    // The cursor moves only past claims that committed: one that rolled back took nothing.
    if (fresh.last() != null) cursor.freshFrom = fresh.lastRank() + 1;
    if (!cursor.freshDone && taken.freshAsked() > 0 && fresh.rows().size() < taken.freshAsked()) {
      cursor.freshDone = true;
    }
    if (due.last() != null) {
      cursor.dueFrom = due.lastDue();
      cursor.dueRankFrom = due.lastRank();
    }
    if (due.rows().isEmpty()) return fresh.rows();
    if (fresh.rows().isEmpty()) return due.rows();
    List<ClaimedRequest> all = new ArrayList<>(due.rows());
    all.addAll(fresh.rows());
    return all;
  }

  /**
   * Leases up to {@code limit} due lines of a batch in progress that a provider job handed back (they
   * run real-time from then on), while the batch's other lines wait for jobs.
   */
  public List<ClaimedRequest> claimHandedBack(String batchId, int limit, long now, String owner, Duration lease) {
    Lease leased = new Lease(batchId, owner, lease.toMillis(), false);
    return db.writeLeased(c -> claimWhere(c, leased, limit,
        " AND next_attempt_at > 0 AND next_attempt_at <= ? AND upstream_job IS NOT NULL", List.of(now))).rows();
  }

  /**
   * Puts up to {@code limit} never-tried lines of a batch in progress, in claim order, into provider job
   * {@code jobId}: leased to the job until {@code leaseUntil} (the batch's spill time, on this node's clock),
   * and marked as having been in it.
   */
  public List<ClaimedRequest> claimForJob(String batchId, int limit, long now, String jobId, long leaseUntil) {
    Lease leased = new Lease(batchId, jobId, Math.max(1, leaseUntil - now), true);
    return db.writeLeased(c -> claimWhere(c, leased, limit, " AND next_attempt_at = 0 AND upstream_job IS NULL",
        List.of())).rows();
  }

  /** How many never-tried lines a batch has queued, counting up to {@code cap}. */
  public int countFresh(String batchId, int cap) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM (SELECT 1 FROM requests WHERE batch_id = ?"
          + " AND state = 'queued' AND next_attempt_at = 0 LIMIT ?) fresh")) {
        ps.setString(1, batchId);
        ps.setInt(2, cap);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getInt(1);
        }
      }
    });
  }

  /** {@code forJob}: the lease holder is a provider job, and the line is marked as having been in it. */
  private record Lease(String batchId, String owner, long millis, boolean forJob) {}

  private record FreshAndDue(Claimed fresh, Claimed due, int freshAsked) {}

  /** What one claim statement took, and the last of it in claim order (due time, then rank). */
  private record Claimed(List<ClaimedRequest> rows, ClaimedRequest last, long lastDue, long lastRank) {
    static final Claimed NONE = new Claimed(List.of(), null, 0, 0);
  }

  /**
   * Leases up to {@code limit} queued rows of a batch in progress that also match {@code condition}
   * (with {@code params} for its placeholders), in the claim index's order.
   */
  private Claimed claimWhere(Connection c, Lease lease, int limit, String condition, List<Long> params)
      throws SQLException {
    // The rows are picked once, in a CTE: a LIMIT subquery inside IN may be run again per row by
    // PostgreSQL, and with SKIP LOCKED each run can pick different rows.
    try (PreparedStatement ps = c.prepareStatement("WITH picked AS (SELECT line FROM requests"
        + " WHERE batch_id = ? AND state = 'queued'" + condition
        + " AND EXISTS (SELECT 1 FROM batches WHERE id = ? AND status = 'in_progress')"
        + " ORDER BY next_attempt_at, claim_rank LIMIT ?" + db.dialect().skipLocked + ")"
        + " UPDATE requests SET state = 'leased', attempts = attempts + 1, lease_owner = ?,"
        + " lease_until = " + db.dialect().nowMillis + " + ?" + (lease.forJob() ? ", upstream_job = ?" : "")
        + " FROM picked WHERE requests.batch_id = ? AND requests.line = picked.line"
        + " RETURNING requests.line, requests.custom_id, requests.byte_offset, requests.byte_length,"
        + " requests.attempts, requests.next_attempt_at, requests.claim_rank")) {
      int i = 1;
      ps.setString(i++, lease.batchId());
      for (long p : params) ps.setLong(i++, p);
      ps.setString(i++, lease.batchId());
      ps.setInt(i++, limit);
      ps.setString(i++, lease.owner());
      ps.setLong(i++, lease.millis());
      if (lease.forJob()) ps.setString(i++, lease.owner());
      ps.setString(i, lease.batchId());
      List<ClaimedRequest> rows = new ArrayList<>();
      ClaimedRequest last = null;
      long lastDue = 0;
      long lastRank = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) { // RETURNING comes in no particular order
          ClaimedRequest r = new ClaimedRequest(lease.batchId(), rs.getInt(1), rs.getString(2), rs.getLong(3),
              rs.getInt(4), rs.getInt(5));
          long due = rs.getLong(6);
          long rank = rs.getLong(7);
          rows.add(r);
          if (last == null || due > lastDue || (due == lastDue && rank > lastRank)) {
            last = r;
            lastDue = due;
            lastRank = rank;
          }
        }
      }
      return new Claimed(rows, last, lastDue, lastRank);
    }
  }

  /**
   * Puts requests whose lease ran out by the database's clock (their worker died) back in the queue. A
   * line held by a provider job is leased until its batch's spill time: when that passes, it comes back
   * here and runs real-time.
   */
  public int releaseExpiredLeases() {
    return release(" AND lease_until < " + db.dialect().nowMillis);
  }

  /** Puts every leased request back in the queue: its lease belongs to a process that is gone. */
  public int releaseAllLeases() {
    return release(NOT_IN_JOB);
  }

  /** Lines held by a provider job keep their lease across restarts: the job is still running upstream. */
  private static final String NOT_IN_JOB = " AND lease_owner NOT LIKE '" + UpstreamJobStore.ID_PREFIX + "%'";

  private int release(String condition) {
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE requests SET state = 'queued', lease_owner = NULL,"
          + " lease_until = NULL WHERE state = 'leased'" + condition)) {
        return ps.executeUpdate();
      }
    });
  }

  /**
   * Puts requests leased by nodes that stopped heartbeating (no beat since {@code aliveSince}) back in
   * the queue, without waiting for their leases to run out.
   */
  public int releaseLeasesOfDeadNodes(long aliveSince) {
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE requests SET state = 'queued', lease_owner = NULL,"
          + " lease_until = NULL WHERE state = 'leased'" + NOT_IN_JOB + " AND NOT EXISTS (SELECT 1 FROM nodes"
          + " WHERE nodes.id = requests.lease_owner AND nodes.heartbeat_at >= ?)")) {
        ps.setLong(1, aliveSince);
        return ps.executeUpdate();
      }
    });
  }
}
