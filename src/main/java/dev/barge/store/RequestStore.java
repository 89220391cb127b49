package dev.barge.store;

import dev.barge.batch.model.BatchStatus;
import dev.barge.batch.model.RequestState;
import dev.barge.cost.Spend;
import dev.barge.cost.Usage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The {@code requests} table: one row per input line. Claims and results are written in groups; a
 * batch's counters and usage change in the same transaction as its rows, so they never disagree.
 */
public final class RequestStore {
  private static final int PAGE = 1000;
  /** A result line's bytes besides its answer and custom_id: ids, status, keys (about 150; rounded up). */
  private static final int LINE_OVERHEAD_BYTES = 200;

  private final Database db;

  public RequestStore(Database db) {
    this.db = db;
  }

  /** Inserts validated lines as queued requests, all in one transaction. */
  public void insert(String batchId, List<NewRequest> rows) {
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO requests"
          + " (batch_id, line, custom_id, byte_offset, byte_length, state) VALUES (?,?,?,?,?,'queued')")) {
        for (NewRequest r : rows) {
          ps.setString(1, batchId);
          ps.setInt(2, r.line());
          ps.setString(3, r.customId());
          ps.setLong(4, r.offset());
          ps.setInt(5, r.length());
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

  /** For each of {@code batchIds}, how many of its requests are in each state (one query for all). */
  public Map<String, Map<RequestState, Integer>> countsByState(List<String> batchIds) {
    if (batchIds.isEmpty()) return Map.of();
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT batch_id, state, COUNT(*) FROM requests WHERE batch_id IN ("
          + String.join(",", Collections.nCopies(batchIds.size(), "?")) + ") GROUP BY batch_id, state")) {
        for (int i = 0; i < batchIds.size(); i++) ps.setString(i + 1, batchIds.get(i));
        Map<String, Map<RequestState, Integer>> out = new HashMap<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.computeIfAbsent(rs.getString(1), k -> new java.util.EnumMap<>(RequestState.class))
                .put(RequestState.ofColumn(rs.getString(2)), rs.getInt(3));
          }
        }
        return out;
      }
    });
  }

  /** How many requests of a batch are in each state. */
  public Map<RequestState, Integer> countsByState(String batchId) {
    return countsByState(List.of(batchId)).getOrDefault(batchId, Map.of());
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
   * Leases up to {@code limit} due requests of a batch that is in progress: never-tried lines in line
   * order first, then retries by due time; only lines of {@code onlyLines} when that is not empty (a
   * canary's sample). {@code cursor} is this caller's position in the batch (see {@link ClaimCursor}).
   * The lease runs for {@code lease} on the database's clock, which every node reads alike.
   */
  public List<ClaimedRequest> claim(String batchId, int limit, long now, String owner, Duration lease,
      List<Integer> onlyLines, ClaimCursor cursor) {
    Lease leased = new Lease(batchId, owner, lease.toMillis());
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
          + " AND next_attempt_at <= ? AND (next_attempt_at, line) > (?, ?)",
          List.of(now, cursor.dueFrom, (long) cursor.dueLineFrom));
      int left = limit - due.rows().size();
      Claimed fresh = cursor.freshDone || left == 0 ? Claimed.NONE : claimWhere(c, leased, left,
          " AND next_attempt_at = 0 AND line >= ?", List.of((long) cursor.freshFrom));
      return new FreshAndDue(fresh, due, left);
    });
    Claimed fresh = taken.fresh();
    Claimed due = taken.due();
    // The cursor moves only past claims that committed: one that rolled back took nothing.
    if (fresh.last() != null) cursor.freshFrom = fresh.last().line() + 1;
    if (!cursor.freshDone && taken.freshAsked() > 0 && fresh.rows().size() < taken.freshAsked()) {
      cursor.freshDone = true;
    }
    if (due.last() != null) {
      cursor.dueFrom = due.lastDue();
      cursor.dueLineFrom = due.last().line();
    }
    if (due.rows().isEmpty()) return fresh.rows();
    if (fresh.rows().isEmpty()) return due.rows();
    List<ClaimedRequest> all = new ArrayList<>(due.rows());
    all.addAll(fresh.rows());
    return all;
  }

  private record Lease(String batchId, String owner, long millis) {}

  private record FreshAndDue(Claimed fresh, Claimed due, int freshAsked) {}

  /** What one claim statement took, and the last of it in claim order (due time, then line). */
  private record Claimed(List<ClaimedRequest> rows, ClaimedRequest last, long lastDue) {
    static final Claimed NONE = new Claimed(List.of(), null, 0);
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
        + " ORDER BY next_attempt_at, line LIMIT ?" + db.dialect().skipLocked + ")"
        + " UPDATE requests SET state = 'leased', attempts = attempts + 1, lease_owner = ?,"
        + " lease_until = " + db.dialect().nowMillis + " + ?"
        + " FROM picked WHERE requests.batch_id = ? AND requests.line = picked.line"
        + " RETURNING requests.line, requests.custom_id, requests.byte_offset, requests.byte_length,"
        + " requests.attempts, requests.next_attempt_at")) {
      int i = 1;
      ps.setString(i++, lease.batchId());
      for (long p : params) ps.setLong(i++, p);
      ps.setString(i++, lease.batchId());
      ps.setInt(i++, limit);
      ps.setString(i++, lease.owner());
      ps.setLong(i++, lease.millis());
      ps.setString(i, lease.batchId());
      List<ClaimedRequest> rows = new ArrayList<>();
      ClaimedRequest last = null;
      long lastDue = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) { // RETURNING comes in no particular order
          ClaimedRequest r = new ClaimedRequest(lease.batchId(), rs.getInt(1), rs.getString(2), rs.getLong(3),
              rs.getInt(4), rs.getInt(5));
          long due = rs.getLong(6);
          rows.add(r);
          if (last == null || due > lastDue || (due == lastDue && r.line() > last.line())) {
            last = r;
            lastDue = due;
          }
        }
      }
      return new Claimed(rows, last, lastDue);
    }
  }

  /**
   * Applies outcomes in one transaction. An update whose row is no longer leased by its owner (the
   * batch expired or was cancelled meanwhile, or the lease was taken over) is dropped: a result is
   * written once. Returns how many were applied.
   */
  public int record(List<? extends RequestUpdate> updates) {
    return db.write(c -> {
      List<RequestUpdate.Finished> finished = new ArrayList<>();
      int requeued = 0;
      // Sent as JDBC batches (one round trip each on PostgreSQL); the per-row counts say which applied.
      // A row has a lease owner exactly while it is leased (every step out of 'leased' clears it), so the
      // owner alone says the lease still holds. Naming the state as well would let PostgreSQL's planner
      // pick the small in-flight index over the primary key, and walk its dead entries (all the rows
      // leased since the last VACUUM): fifty times slower, on a table analysed while its rows were queued.
      try (PreparedStatement finish = c.prepareStatement("UPDATE requests SET state = ?, status_code = ?,"
              + " request_id = ?, response = ?, error_code = ?, error_message = ?, input_tokens = ?,"
              + " output_tokens = ?, finished_at = ?, cached_tokens = ?, cost = ?, lease_owner = NULL, lease_until = NULL"
              + " WHERE batch_id = ? AND line = ? AND lease_owner = ?");
          PreparedStatement requeue = c.prepareStatement("UPDATE requests SET state = 'queued',"
              + " next_attempt_at = ?, lease_owner = NULL, lease_until = NULL"
              + " WHERE batch_id = ? AND line = ? AND lease_owner = ?")) {
        for (RequestUpdate u : updates) {
          switch (u) {
            case RequestUpdate.Finished f -> {
              finish.setString(1, (f.succeeded() ? RequestState.SUCCEEDED : RequestState.FAILED).column());
              Rows.setNullableInt(finish, 2, f.statusCode());
              finish.setString(3, f.requestId());
              finish.setString(4, f.response());
              finish.setString(5, f.errorCode());
              finish.setString(6, f.errorMessage());
              finish.setLong(7, f.usage().inputTokens());
              finish.setLong(8, f.usage().outputTokens());
              finish.setLong(9, f.finishedAt());
              finish.setLong(10, f.usage().cachedTokens());
              finish.setLong(11, f.cost());
              finish.setString(12, f.batchId());
              finish.setInt(13, f.line());
              finish.setString(14, f.leaseOwner());
              finish.addBatch();
              finished.add(f);
            }
            case RequestUpdate.Requeued r -> {
              requeue.setLong(1, r.nextAttemptAt());
              requeue.setString(2, r.batchId());
              requeue.setInt(3, r.line());
              requeue.setString(4, r.leaseOwner());
              requeue.addBatch();
              requeued++;
            }
          }
        }
        int applied = 0;
        // Batches in id order, their projects' spend after them in key order: every writer takes its row
        // locks in the same order, so two recorders (on two nodes) cannot deadlock on PostgreSQL.
        Map<String, Delta> deltas = new TreeMap<>();
        if (!finished.isEmpty()) {
          int[] counts = finish.executeBatch();
          for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 1) continue;
            applied++;
            deltas.computeIfAbsent(finished.get(i).batchId(), k -> new Delta()).add(finished.get(i));
          }
        }
        if (requeued > 0) {
          for (int n : requeue.executeBatch()) applied += n;
        }
        Map<SpendKey, Delta> spend = new TreeMap<>();
        for (var e : deltas.entrySet()) {
          Delta d = e.getValue();
          d.apply(c, e.getKey());
          // Spend is money: results of a model without a price add none, and cost the writer nothing.
          if (d.cost == 0 && d.listCost == 0) continue;
          spend.computeIfAbsent(new SpendKey(SpendStore.projectOf(c, e.getKey()), SpendStore.dayOf(d.finishedAt)),
              k -> new Delta()).add(d);
        }
        for (var e : spend.entrySet()) {
          Delta d = e.getValue();
          SpendStore.add(c, e.getKey().project(), e.getKey().day(), SpendStore.BATCH_TIER, d.completed + d.failed,
              d.cost, d.listCost);
        }
        return applied;
      }
    });
  }

  /** How a settle went: requests it ended, and requests of the batch still queued or in flight after it. */
  public record Settled(int ended, int unfinished) {}

  /**
   * Ends every unfinished request of a batch as {@code target} with the given error (cancel or expiry),
   * provided the batch is still in {@code whileStatus}. Leased (in-flight) requests are included only
   * when {@code includeInFlight}. The count of what is left is taken in the same transaction, so
   * {@code unfinished() == 0} means no request of the batch can change any more.
   */
  public Settled settleUnfinished(String batchId, BatchStatus whileStatus, RequestState target, String errorCode,
      String errorMessage, boolean includeInFlight, long now) {
    return settleUnfinished(batchId, whileStatus, null, target, errorCode, errorMessage, includeInFlight, now);
  }

  /**
   * The same, provided the batch is also still stopped by a budget since {@code whileStoppedAt} (when not
   * null): a budget raised meanwhile lifts the stop, and then nothing is ended.
   */
  public Settled settleUnfinished(String batchId, BatchStatus whileStatus, Long whileStoppedAt, RequestState target,
      String errorCode, String errorMessage, boolean includeInFlight, long now) {
    return db.write(c -> {
      int n;
      try (PreparedStatement ps = c.prepareStatement("UPDATE requests SET state = ?, error_code = ?,"
          + " error_message = ?, finished_at = ?, lease_owner = NULL, lease_until = NULL"
          + " WHERE batch_id = ? AND state IN ('queued'" + (includeInFlight ? ", 'leased'" : "") + ")"
          + " AND EXISTS (SELECT 1 FROM batches WHERE id = ? AND status = ?"
          + (whileStoppedAt == null ? "" : " AND stopped_at = ?") + ")")) {
        ps.setString(1, target.column());
        ps.setString(2, errorCode);
        ps.setString(3, errorMessage);
        ps.setLong(4, now);
        ps.setString(5, batchId);
        ps.setString(6, batchId);
        ps.setString(7, whileStatus.wireName());
        if (whileStoppedAt != null) ps.setLong(8, whileStoppedAt);
        n = ps.executeUpdate();
      }
      Delta d = new Delta();
      d.failed = n;
      d.apply(c, batchId);
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT COUNT(*) FROM requests WHERE batch_id = ? AND state IN ('queued', 'leased')")) {
        ps.setString(1, batchId);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return new Settled(n, rs.getInt(1));
        }
      }
    });
  }

  /** How a canary's sample stands: lines not finished yet, and lines that failed. */
  public record SampleOutcome(int unfinished, int failed) {}

  /** How the lines {@code lines} of a batch stand. */
  public SampleOutcome sampleOutcome(String batchId, List<Integer> lines) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT state, COUNT(*) FROM requests WHERE batch_id = ?"
          + " AND line IN (" + String.join(",", Collections.nCopies(lines.size(), "?")) + ") GROUP BY state")) {
        ps.setString(1, batchId);
        for (int i = 0; i < lines.size(); i++) ps.setInt(i + 2, lines.get(i));
        int unfinished = 0;
        int failed = 0;
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            RequestState state = RequestState.ofColumn(rs.getString(1));
            if (state == RequestState.QUEUED || state == RequestState.LEASED) unfinished += rs.getInt(2);
            else if (state != RequestState.SUCCEEDED) failed += rs.getInt(2);
          }
        }
        return new SampleOutcome(unfinished, failed);
      }
    });
  }

  /** Per batch of {@code batchIds}, its requests in flight (leased, by any node); batches with none are left out. */
  public Map<String, Integer> leasedCounts(List<String> batchIds) {
    if (batchIds.isEmpty()) return Map.of();
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT batch_id, COUNT(*) FROM requests WHERE state = 'leased'"
          + " AND batch_id IN (" + String.join(",", Collections.nCopies(batchIds.size(), "?")) + ") GROUP BY batch_id")) {
        for (int i = 0; i < batchIds.size(); i++) ps.setString(i + 1, batchIds.get(i));
        Map<String, Integer> out = new HashMap<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) out.put(rs.getString(1), rs.getInt(2));
        }
        return out;
      }
    });
  }

  /** Requests queued in every batch. */
  public long queuedCount() {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM requests WHERE state = 'queued'");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  /** Requests of running batches on {@code model} that are still queued or in flight. */
  public long unfinishedOfModel(String model) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM requests WHERE state IN ('queued', 'leased')"
          + " AND batch_id IN (SELECT id FROM batches WHERE model = ? AND status = 'in_progress')")) {
        ps.setString(1, model);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    });
  }

  /** Puts requests whose lease ran out by the database's clock (their worker died) back in the queue. */
  public int releaseExpiredLeases() {
    return release(" AND lease_until < " + db.dialect().nowMillis);
  }

  /** Puts every leased request back in the queue: its lease belongs to a process that is gone. */
  public int releaseAllLeases() {
    return release("");
  }

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
          + " lease_until = NULL WHERE state = 'leased' AND NOT EXISTS (SELECT 1 FROM nodes"
          + " WHERE nodes.id = requests.lease_owner AND nodes.heartbeat_at >= ?)")) {
        ps.setLong(1, aliveSince);
        return ps.executeUpdate();
      }
    });
  }

  /**
   * The same, a page of rows per read: {@code sink} may be slow (a client downloading), and no database
   * connection or snapshot is held while it waits.
   */
  public void forEachResultPaged(String batchId, Consumer<ResultRow> sink) {
    int after = 0;
    while (true) {
      List<ResultRow> page = rowsAfter(batchId, after, PAGE);
      page.forEach(sink);
      if (page.size() < PAGE) return;
      after = page.getLast().line();
    }
  }


  private static ResultRow resultRow(ResultSet rs) throws SQLException {
    return new ResultRow(rs.getInt(1), rs.getString(2), RequestState.ofColumn(rs.getString(3)),
        Rows.nullableInt(rs, 4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8));
  }

  /** Failed lines of a batch grouped by error: its code (or {@code http_<status>}), how many, and one message. */
  public record ErrorGroup(String code, int count, String example) {}

  public List<ErrorGroup> errorGroups(String batchId) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(error_code, 'http_' || status_code) AS code,"
          + " COUNT(*), MIN(COALESCE(error_message, response)) FROM requests WHERE batch_id = ?"
          + " AND state IN ('failed', 'expired', 'cancelled') GROUP BY COALESCE(error_code, 'http_' || status_code)"
          + " ORDER BY COUNT(*) DESC")) {
        ps.setString(1, batchId);
        List<ErrorGroup> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String example = rs.getString(3);
            out.add(new ErrorGroup(rs.getString(1), rs.getInt(2),
                example == null || example.length() <= 300 ? example : example.substring(0, 300) + "…"));
          }
        }
        return out;
      }
    });
  }

  /** Up to {@code limit} rows of a batch after line {@code afterLine}, in line order, whatever their state. */
  public List<ResultRow> rowsAfter(String batchId, int afterLine, int limit) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT line, custom_id, state, status_code, request_id,"
          + " response, error_code, error_message FROM requests WHERE batch_id = ? AND line > ? ORDER BY line LIMIT ?")) {
        ps.setString(1, batchId);
        ps.setInt(2, afterLine);
        ps.setInt(3, limit);
        List<ResultRow> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) rows.add(resultRow(rs));
        }
        return rows;
      }
    });
  }

  /**
   * About how many bytes a batch's result files take: each result's answer or error message and custom_id,
   * plus the fixed part of its line. Read from the row headers (the answers themselves are not loaded).
   */
  public long resultFileBytes(String batchId) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(COALESCE(OCTET_LENGTH(response), 0)"
          + " + COALESCE(OCTET_LENGTH(error_message), 0) + OCTET_LENGTH(custom_id) + " + LINE_OVERHEAD_BYTES + "), 0)"
          + " FROM requests WHERE batch_id = ?")) {
        ps.setString(1, batchId);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    });
  }

  /** Streams a batch's settled requests in line order to {@code sink}. */
  public void forEachResult(String batchId, Consumer<ResultRow> sink) {
    db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT line, custom_id, state, status_code, request_id,"
          + " response, error_code, error_message FROM requests WHERE batch_id = ? ORDER BY line")) {
        ps.setString(1, batchId);
        ps.setFetchSize(1000);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            sink.accept(resultRow(rs));
          }
        }
      }
      return null;
    });
  }

  /** A project's day, ordered so spend rows are locked in one order. */
  private record SpendKey(String project, long day) implements Comparable<SpendKey> {
    @Override
    public int compareTo(SpendKey o) {
      int byProject = project.compareTo(o.project);
      return byProject != 0 ? byProject : Long.compare(day, o.day);
    }
  }

  /**
   * Changes to a batch's counters, usage and cost, applied in the transaction that settled its requests;
   * the results also count in their project's spend of the day they were written.
   */
  private static final class Delta {
    int completed;
    int failed;
    Usage usage = Usage.ZERO;
    long cost;
    long listCost;
    long finishedAt;

    void add(RequestUpdate.Finished f) {
      if (f.succeeded()) {
        completed++;
        usage = usage.plus(f.usage());
      } else {
        failed++;
      }
      cost += f.cost();
      listCost += f.listCost();
      finishedAt = Math.max(finishedAt, f.finishedAt());
    }

    void apply(Connection c, String batchId) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET completed = completed + ?,"
          + " failed = failed + ?, input_tokens = input_tokens + ?, cached_tokens = cached_tokens + ?,"
          + " output_tokens = output_tokens + ?, reasoning_tokens = reasoning_tokens + ?,"
          + " total_tokens = total_tokens + ?, cost = cost + ?, list_cost = list_cost + ? WHERE id = ?")) {
        ps.setInt(1, completed);
        ps.setInt(2, failed);
        ps.setLong(3, usage.inputTokens());
        ps.setLong(4, usage.cachedTokens());
        ps.setLong(5, usage.outputTokens());
        ps.setLong(6, usage.reasoningTokens());
        ps.setLong(7, usage.totalTokens());
        ps.setLong(8, cost);
        ps.setLong(9, listCost);
        ps.setString(10, batchId);
        ps.executeUpdate();
      }
    }

    /** Adds another batch's changes (for its project's spend). */
    void add(Delta other) {
      completed += other.completed;
      failed += other.failed;
      cost += other.cost;
      listCost += other.listCost;
      finishedAt = Math.max(finishedAt, other.finishedAt);
    }
  }
}
