package dev.barge.store;

import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchStatus;
import dev.barge.batch.model.Canary;
import dev.barge.cost.StopReason;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The {@code batches} table. Every status change is one conditional update, so racing writers cannot both win. */
public final class BatchStore {
  private final Database db;

  public BatchStore(Database db) {
    this.db = db;
  }

  /** Stores a new batch in status {@code validating}, on the disk before its creator hears of it. */
  public void insert(BatchRecord b) {
    insert(b, null);
  }

  /**
   * Inserts {@code b}, on the disk before its creator hears of it, claiming {@code key} for it when not null:
   * {@link IdempotencyStore.KeyTaken} if it is taken.
   */
  public void insert(BatchRecord b, IdempotencyKey key) {
    db.writeDurable(c -> {
      if (key != null) IdempotencyStore.claim(c, key, b.project(), b.id(), b.createdAt());
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO batches (id, project, endpoint, input_file_id,"
          + " completion_window, status, created_at, expires_at, metadata, output_expires_after, priority, run_windows,"
          + " max_cost, canary_size, canary_max_failure_rate, api, total, cache) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
        ps.setString(1, b.id());
        ps.setString(2, b.project());
        ps.setString(3, b.endpoint());
        ps.setString(4, b.inputFileId());
        ps.setString(5, b.completionWindow());
        ps.setString(6, BatchStatus.VALIDATING.wireName());
        ps.setLong(7, b.createdAt());
        ps.setLong(8, b.expiresAt());
        ps.setString(9, b.metadata());
        Rows.setNullableLong(ps, 10, b.outputExpiresAfterSeconds());
        ps.setInt(11, b.priority());
        ps.setString(12, BatchRows.windowsJson(b.windows()));
        Rows.setNullableLong(ps, 13, b.spend().maxCost());
        Rows.setNullableInt(ps, 14, b.canary().size());
        ps.setString(15, b.canary().maxFailureRate() == null ? null : b.canary().maxFailureRate().toPlainString());
        ps.setString(16, b.api().column());
        ps.setInt(17, b.total());
        ps.setString(18, b.cache().column());
        ps.executeUpdate();
      }
      return null;
    });
  }

  public Optional<BatchRecord> find(String id) {
    return db.read(c -> BatchRows.selectOne(c, "SELECT " + BatchRows.COLUMNS + " FROM batches WHERE id = ?", id));
  }

  public Optional<BatchRecord> find(String project, String id) {
    return find(id).filter(b -> b.project().equals(project));
  }

  /** How many batches are in each status. */
  public Map<BatchStatus, Integer> countByStatus() {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT status, COUNT(*) FROM batches GROUP BY status")) {
        Map<BatchStatus, Integer> out = new EnumMap<>(BatchStatus.class);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) out.put(BatchStatus.ofWireName(rs.getString(1)), rs.getInt(2));
        }
        return out;
      }
    });
  }

  /** Batches that still have work for the engine: not in a terminal status; oldest first, so validations queue in order. */
  public List<BatchRecord> active() {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT " + BatchRows.COLUMNS
          + " FROM batches WHERE status " + BatchRows.in(BatchStatus.ACTIVE)
          + " ORDER BY created_at, id")) {
        return BatchRows.readAll(ps);
      }
    });
  }

  /** Whether a batch that has not ended reads {@code fileId} as its input. */
  public boolean inputOfActiveBatch(String fileId) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM batches WHERE input_file_id = ?"
          + " AND status " + BatchRows.in(BatchStatus.ACTIVE))) {
        ps.setString(1, fileId);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next();
        }
      }
    });
  }

  /**
   * Makes {@code node} the batch's worker unless another node that is alive (a heartbeat at most
   * {@code deadAfter} old, by the database's clock) already is. Returns whether {@code node} is the worker now.
   */
  public boolean takeWork(String id, String node, Duration deadAfter) {
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET worker = ? WHERE id = ? AND (worker IS NULL"
          + " OR worker = ? OR NOT EXISTS (SELECT 1 FROM nodes WHERE nodes.id = batches.worker"
          + " AND nodes.heartbeat_at >= " + db.dialect().nowMillis + " - ?))")) {
        ps.setString(1, node);
        ps.setString(2, id);
        ps.setString(3, node);
        ps.setLong(4, deadAfter.toMillis());
        return ps.executeUpdate() == 1;
      }
    });
  }

  /** {@code validating | in_progress → cancelling} as a caller asks, on the disk before the caller hears of it. */
  public boolean cancel(String id, long now) {
    return db.writeDurable(c -> transition(c, id, Set.of(BatchStatus.VALIDATING, BatchStatus.IN_PROGRESS),
        BatchStatus.CANCELLING, now));
  }

  /** Moves the batch to {@code to} if it is in one of {@code from}; false when another change came first. */
  public boolean transition(String id, Set<BatchStatus> from, BatchStatus to, long now) {
    return db.write(c -> transition(c, id, from, to, now));
  }

  static boolean transition(Connection c, String id, Set<BatchStatus> from, BatchStatus to, long now)
      throws SQLException {
    boolean moved;
    try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET status = ?, " + to.timestampColumn()
        + " = ? WHERE id = ? AND status " + BatchRows.in(from))) {
      ps.setString(1, to.wireName());
      ps.setLong(2, now);
      ps.setString(3, id);
      moved = ps.executeUpdate() == 1;
    }
    // Ending an OpenAI batch is an event for webhooks, recorded in the same transaction: none is lost.
    if (moved && to.terminal()) WebhookStore.recordEnd(c, id, to, now);
    return moved;
  }

  /** How {@link #startProcessing} went. */
  public enum StartResult { STARTED, NOT_VALIDATING, OVER_QUOTA }

  /**
   * {@code validating → in_progress} before the deadline, recording the file's model, line count and
   * enqueued-token estimate, the lines refused on their own (already failed), those answered from the
   * response cache (already succeeded, with what their answers cost when called), and the canary's sample
   * (empty for none) with the failure rate it is held to unless the batch asked for its own. When {@code tokenLimit} is set and
   * the project's batches of this model that have not ended would hold more than that with this one,
   * nothing changes and the answer is {@code OVER_QUOTA}.
   */
  public StartResult startProcessing(String id, String model, int total, int refused, int cached, long cachedListCost,
      long enqueuedTokens, List<Integer> canaryLines, BigDecimal canaryMaxFailureRate, Long tokenLimit, long now) {
    return db.write(c -> {
      // A batch whose window closed while it was validated expires instead, with no files.
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM batches WHERE id = ? AND expires_at > ?")) {
        ps.setString(1, id);
        ps.setLong(2, now);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) return StartResult.NOT_VALIDATING;
        }
      }
      if (tokenLimit != null) {
        String project = SpendStore.projectOf(c, id);
        lockQuota(c, project, model);
        if (enqueuedTokens(c, project, model) + enqueuedTokens > tokenLimit) return StartResult.OVER_QUOTA;
      }
      if (!transition(c, id, Set.of(BatchStatus.VALIDATING), BatchStatus.IN_PROGRESS, now)) {
        return StartResult.NOT_VALIDATING;
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET model = ?, total = ?, failed = ?,"
          + " completed = ?, cached_requests = ?, list_cost = ?, enqueued_tokens = ?, canary_lines = ?, canary_state = ?,"
          + " canary_max_failure_rate = COALESCE(canary_max_failure_rate, ?) WHERE id = ?")) {
        ps.setString(1, model);
        ps.setInt(2, total);
        ps.setInt(3, refused);
        ps.setInt(4, cached);
        ps.setInt(5, cached);
        ps.setLong(6, cachedListCost);
        ps.setLong(7, enqueuedTokens);
        ps.setString(8, canaryLines.isEmpty() ? null : BatchRows.json(canaryLines));
        ps.setString(9, canaryLines.isEmpty() ? null : Canary.State.RUNNING.column());
        ps.setString(10, canaryLines.isEmpty() ? null : canaryMaxFailureRate.toPlainString());
        ps.setString(11, id);
        ps.executeUpdate();
      }
      return StartResult.STARTED;
    });
  }

  /**
   * Makes batches of one project and model start one at a time until this transaction ends, so two
   * cannot both fit the same room under the quota. SQLite writes one transaction at a time anyway.
   */
  private void lockQuota(Connection c, String project, String model) throws SQLException {
    if (db.dialect() != Database.Dialect.POSTGRESQL) return;
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
      ps.setString(1, "barge-quota/" + project + "/" + model);
      ps.executeQuery().close();
    }
  }

  /** Estimated prompt tokens held by the batches of {@code project} on {@code model} that have not ended. */
  public long enqueuedTokens(String project, String model) {
    return db.read(c -> enqueuedTokens(c, project, model));
  }

  private static long enqueuedTokens(Connection c, String project, String model) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(enqueued_tokens), 0) FROM batches"
        + " WHERE project = ? AND model = ? AND status " + BatchRows.in(BatchStatus.STARTED))) {
      ps.setString(1, project);
      ps.setString(2, model);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** The canary's verdict; a failed canary also records why as the batch's errors (JSON). */
  public void canaryVerdict(String id, Canary.State verdict, String errorsJson) {
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE batches SET canary_state = ?, errors = COALESCE(?, errors) WHERE id = ?")) {
        ps.setString(1, verdict.column());
        ps.setString(2, errorsJson);
        ps.setString(3, id);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /**
   * Dispatch stopped taking the batch's work for a budget; a stop already recorded keeps its time. A stop
   * for the batch's own budget holds only if the budget is still {@code maxCostSeen}: a raise that came
   * in meanwhile wins.
   */
  public void stop(String id, StopReason reason, Long maxCostSeen, long now) {
    boolean ownBudget = reason == StopReason.BATCH_BUDGET && maxCostSeen != null;
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET stopped_reason = ?, stopped_at = ?"
          + " WHERE id = ? AND status = 'in_progress' AND (stopped_reason IS NULL OR stopped_reason <> ?)"
          + (ownBudget ? " AND max_cost = ?" : ""))) {
        ps.setString(1, reason.wireName());
        ps.setLong(2, now);
        ps.setString(3, id);
        ps.setString(4, reason.wireName());
        if (ownBudget) ps.setLong(5, maxCostSeen);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** Dispatch takes the batch's work again (a batch that has moved on keeps its record of the stop). */
  public void resume(String id) {
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE batches SET stopped_reason = NULL, stopped_at = NULL WHERE id = ? AND status = 'in_progress'")) {
        ps.setString(1, id);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /**
   * Sets a new budget (null for none); a stop for the old one is lifted, so dispatch looks again. On the disk
   * before the caller hears of it: a budget lowered and then lost would let the batch spend past it.
   */
  public void setBudget(String id, Long maxCost) {
    db.writeDurable(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET max_cost = ?,"
          + " stopped_reason = NULL, stopped_at = NULL WHERE id = ?")) {
        Rows.setNullableLong(ps, 1, maxCost);
        ps.setString(2, id);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** {@code validating → failed} with the validation errors (JSON). */
  public boolean failValidation(String id, String errorsJson, long now) {
    return db.write(c -> {
      if (!transition(c, id, Set.of(BatchStatus.VALIDATING), BatchStatus.FAILED, now)) return false;
      try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET errors = ? WHERE id = ?")) {
        ps.setString(1, errorsJson);
        ps.setString(2, id);
        ps.executeUpdate();
      }
      return true;
    });
  }

  /**
   * Ends a batch in one transaction: its output and error files (either may be null) appear together
   * with the terminal status, so a crash leaves either no trace or the whole end.
   */
  public boolean finish(String id, BatchStatus from, BatchStatus to, FileRecord output, FileRecord errors, long now) {
    return db.write(c -> {
      if (!transition(c, id, Set.of(from), to, now)) return false;
      if (output != null) FileStore.insert(c, output);
      if (errors != null) FileStore.insert(c, errors);
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE batches SET output_file_id = ?, error_file_id = ? WHERE id = ?")) {
        ps.setString(1, output == null ? null : output.id());
        ps.setString(2, errors == null ? null : errors.id());
        ps.setString(3, id);
        ps.executeUpdate();
      }
      return true;
    });
  }
}
