package dev.barge.store;

import dev.barge.batch.model.BatchStatus;
import dev.barge.batch.model.RequestState;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The outcomes of the {@code requests} table: results of leased rows, and the ends of rows a batch will not
 * run. A batch's counters and usage change in the same transaction as its rows (see {@link BatchCounters}),
 * so they never disagree.
 */
public final class RequestResults {
  private final Database db;

  public RequestResults(Database db) {
    this.db = db;
  }

  /**
   * Applies outcomes in one transaction. An update whose row is no longer leased by its owner (the
   * batch expired or was cancelled meanwhile, or the lease was taken over) is dropped: a result is
   * written once. Returns how many were applied.
   */
  public int record(List<? extends RequestUpdate> updates) {
    return record(updates, "lease_owner = ?");
  }

  /**
   * Applies outcomes read from a provider job's results. A result counts while its line is unfinished,
   * whoever holds it now: a line taken back from the job (to run real-time before its deadline) keeps the
   * job's answer if that came first, and the real-time call's answer is then dropped. A retry (the job did
   * not run the line) applies only while the job still holds the line.
   */
  public int recordFromJob(List<? extends RequestUpdate> updates) {
    return record(updates, "(lease_owner = ? OR state IN ('queued', 'leased'))");
  }

  private int record(List<? extends RequestUpdate> updates, String finishWhile) {
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
              + " output_tokens = ?, finished_at = ?, cached_tokens = ?, cost = ?, tier = ?, lease_owner = NULL,"
              + " lease_until = NULL WHERE batch_id = ? AND line = ? AND " + finishWhile);
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
              finish.setString(12, f.tier() != null ? f.tier().wireName() : null);
              finish.setString(13, f.batchId());
              finish.setInt(14, f.line());
              finish.setString(15, f.leaseOwner());
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
        BatchCounters counters = new BatchCounters();
        if (!finished.isEmpty()) {
          int[] counts = finish.executeBatch();
          for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 1) continue;
            applied++;
            counters.add(finished.get(i));
          }
        }
        if (requeued > 0) {
          for (int n : requeue.executeBatch()) applied += n;
        }
        counters.write(c);
        return applied;
      }
    });
  }

  /**
   * Puts every line provider job {@code jobId} still holds back in the queue, due at {@code now}: lines it
   * ended without answering. They run real-time from then on. Returns how many came back.
   */
  public int handBackFromJob(String jobId, long now) {
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE requests SET state = 'queued', next_attempt_at = ?,"
          + " lease_owner = NULL, lease_until = NULL WHERE upstream_job = ? AND lease_owner = ?")) {
        ps.setLong(1, now);
        ps.setString(2, jobId);
        ps.setString(3, jobId);
        return ps.executeUpdate();
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
          + " WHERE batch_id = ? AND " + (includeInFlight ? "state IN ('queued', 'leased')"
              // Lines waiting in a provider job end at once: no call of Barge's is answering them.
              : "(state = 'queued' OR state = 'leased' AND lease_owner LIKE '" + UpstreamJobStore.ID_PREFIX + "%')")
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
      BatchCounters counters = new BatchCounters();
      counters.failed(batchId, n);
      counters.write(c);
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
}
