package dev.barge.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchStatus;
import dev.barge.batch.model.Canary;
import dev.barge.batch.model.RequestState;
import dev.barge.config.TimeWindow;
import dev.barge.cost.Spend;
import dev.barge.cost.Usage;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The {@code batches} table. Every status change is one conditional update, so racing writers cannot both win. */
public final class BatchStore {
  private static final List<BatchStatus> TIMED = BatchStatus.ENTERED_LATER; // in column order below
  private static final String COLUMNS = "id, project, endpoint, model, input_file_id, completion_window, status,"
      + " created_at, expires_at, in_progress_at, finalizing_at, completed_at, failed_at, expired_at, cancelling_at,"
      + " cancelled_at, total, completed, failed, output_file_id, error_file_id, errors, metadata,"
      + " output_expires_after, input_tokens, cached_tokens, output_tokens, reasoning_tokens, total_tokens, priority, run_windows,"
      + " cost, list_cost, max_cost, stopped_reason, stopped_at, canary_size, canary_max_failure_rate, canary_lines,"
      + " canary_state, enqueued_tokens, api, archived_at, final_counts";
  private static final TypeReference<List<Integer>> INTS = new TypeReference<>() {};

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};

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
          + " max_cost, canary_size, canary_max_failure_rate, api, total) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
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
        ps.setString(12, windowsJson(b.windows()));
        Rows.setNullableLong(ps, 13, b.spend().maxCost());
        Rows.setNullableInt(ps, 14, b.canary().size());
        ps.setString(15, b.canary().maxFailureRate() == null ? null : b.canary().maxFailureRate().toPlainString());
        ps.setString(16, b.api());
        ps.setInt(17, b.total());
        ps.executeUpdate();
      }
      return null;
    });
  }

  public Optional<BatchRecord> find(String id) {
    return db.read(c -> selectOne(c, "SELECT " + COLUMNS + " FROM batches WHERE id = ?", id));
  }

  public Optional<BatchRecord> find(String project, String id) {
    return find(id).filter(b -> b.project().equals(project));
  }

  /** Batches of a project that came through {@code api}, newest first (ties by id), strictly after {@code after} when given. */
  public Page<BatchRecord> list(String project, String api, String after, int limit) {
    return db.read(c -> {
      String sql = "SELECT " + COLUMNS + " FROM batches b WHERE project = ? AND api = ?"
          + (after == null ? "" : " AND EXISTS (SELECT 1 FROM batches a WHERE a.id = ? AND a.project = b.project"
              + " AND (b.created_at < a.created_at OR (b.created_at = a.created_at AND b.id < a.id)))")
          + " ORDER BY created_at DESC, id DESC LIMIT ?";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int i = 1;
        ps.setString(i++, project);
        ps.setString(i++, api);
        if (after != null) ps.setString(i++, after);
        ps.setInt(i, limit + 1);
        List<BatchRecord> out = readAll(ps);
        boolean more = out.size() > limit;
        return new Page<>(more ? out.subList(0, limit) : out, more);
      }
    });
  }

  /**
   * The {@code limit} batches of a project and api immediately newer than {@code before}, newest first;
   * {@code hasMore} says whether still newer ones exist.
   */
  public Page<BatchRecord> listNewer(String project, String api, String before, int limit) {
    return db.read(c -> {
      String sql = "SELECT " + COLUMNS + " FROM batches b WHERE project = ? AND api = ? AND EXISTS (SELECT 1 FROM"
          + " batches a WHERE a.id = ? AND a.project = b.project"
          + " AND (b.created_at > a.created_at OR (b.created_at = a.created_at AND b.id > a.id)))"
          + " ORDER BY created_at ASC, id ASC LIMIT ?";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setString(1, project);
        ps.setString(2, api);
        ps.setString(3, before);
        ps.setInt(4, limit + 1);
        List<BatchRecord> out = new ArrayList<>(readAll(ps));
        boolean more = out.size() > limit;
        List<BatchRecord> page = new ArrayList<>(more ? out.subList(0, limit) : out);
        java.util.Collections.reverse(page);
        return new Page<>(page, more);
      }
    });
  }

  /** Deletes a batch that has ended, with its request rows. False when it has not ended (or is gone). */
  public boolean deleteEnded(String id) {
    return db.write(c -> {
      try (PreparedStatement rows = c.prepareStatement("DELETE FROM requests WHERE batch_id = ? AND EXISTS"
          + " (SELECT 1 FROM batches WHERE id = ? AND status IN ('completed', 'failed', 'expired', 'cancelled'))")) {
        rows.setString(1, id);
        rows.setString(2, id);
        rows.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM batches WHERE id = ?"
          + " AND status IN ('completed', 'failed', 'expired', 'cancelled')")) {
        ps.setString(1, id);
        return ps.executeUpdate() == 1;
      }
    });
  }

  /**
   * Times (oldest first) at or after {@code since} of the project's batch creations and dry runs: both count
   * against {@code batch.max_creations_per_hour}.
   */
  public List<Long> creationsSince(String project, long since) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT created_at FROM batches WHERE project = ? AND created_at >= ?"
          + " UNION ALL SELECT created_at FROM dry_runs WHERE project = ? AND created_at >= ? ORDER BY created_at")) {
        ps.setString(1, project);
        ps.setLong(2, since);
        ps.setString(3, project);
        ps.setLong(4, since);
        List<Long> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) out.add(rs.getLong(1));
        }
        return out;
      }
    });
  }

  /** Records a dry run at {@code now}, and forgets the project's dry runs older than {@code forgetBefore}. */
  public void recordDryRun(String project, long now, long forgetBefore) {
    db.write(c -> {
      try (PreparedStatement old = c.prepareStatement("DELETE FROM dry_runs WHERE project = ? AND created_at < ?");
          PreparedStatement ps = c.prepareStatement("INSERT INTO dry_runs (project, created_at) VALUES (?, ?)")) {
        old.setString(1, project);
        old.setLong(2, forgetBefore);
        old.executeUpdate();
        ps.setString(1, project);
        ps.setLong(2, now);
        ps.executeUpdate();
      }
      return null;
    });
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
      try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
          + " FROM batches WHERE status IN ('validating', 'in_progress', 'finalizing', 'cancelling')"
          + " ORDER BY created_at, id")) {
        return readAll(ps);
      }
    });
  }

  /** Whether a batch that has not ended reads {@code fileId} as its input. */
  public boolean inputOfActiveBatch(String fileId) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM batches WHERE input_file_id = ?"
          + " AND status IN ('validating', 'in_progress', 'finalizing', 'cancelling')")) {
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
    String in = from.stream().map(s -> "'" + s.wireName() + "'").collect(Collectors.joining(","));
    boolean moved;
    try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET status = ?, " + to.timestampColumn()
        + " = ? WHERE id = ? AND status IN (" + in + ")")) {
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
   * enqueued-token estimate, the lines refused on their own (already failed), and the canary's sample
   * (empty for none) with the failure rate it is held to unless the batch asked for its own. When {@code tokenLimit} is set and
   * the project's batches of this model that have not ended would hold more than that with this one,
   * nothing changes and the answer is {@code OVER_QUOTA}.
   */
  public StartResult startProcessing(String id, String model, int total, int refused, long enqueuedTokens,
      List<Integer> canaryLines, BigDecimal canaryMaxFailureRate, Long tokenLimit, long now) {
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
          + " enqueued_tokens = ?, canary_lines = ?, canary_state = ?,"
          + " canary_max_failure_rate = COALESCE(canary_max_failure_rate, ?) WHERE id = ?")) {
        ps.setString(1, model);
        ps.setInt(2, total);
        ps.setInt(3, refused);
        ps.setLong(4, enqueuedTokens);
        ps.setString(5, canaryLines.isEmpty() ? null : json(canaryLines));
        ps.setString(6, canaryLines.isEmpty() ? null : Canary.State.RUNNING.column());
        ps.setString(7, canaryLines.isEmpty() ? null : canaryMaxFailureRate.toPlainString());
        ps.setString(8, id);
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
        + " WHERE project = ? AND model = ? AND status IN ('in_progress', 'finalizing', 'cancelling')")) {
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
  public void stop(String id, String reason, Long maxCostSeen, long now) {
    boolean ownBudget = Spend.BATCH_BUDGET.equals(reason) && maxCostSeen != null;
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET stopped_reason = ?, stopped_at = ?"
          + " WHERE id = ? AND status = 'in_progress' AND (stopped_reason IS NULL OR stopped_reason <> ?)"
          + (ownBudget ? " AND max_cost = ?" : ""))) {
        ps.setString(1, reason);
        ps.setLong(2, now);
        ps.setString(3, id);
        ps.setString(4, reason);
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

  private static Optional<BatchRecord> selectOne(Connection c, String sql, String id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, id);
      List<BatchRecord> all = readAll(ps);
      return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }
  }

  private static List<BatchRecord> readAll(PreparedStatement ps) throws SQLException {
    List<BatchRecord> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) out.add(map(rs));
    }
    return out;
  }

  private static BatchRecord map(ResultSet rs) throws SQLException {
    Map<BatchStatus, Long> times = new EnumMap<>(BatchStatus.class);
    times.put(BatchStatus.VALIDATING, rs.getLong(8));
    for (int i = 0; i < TIMED.size(); i++) {
      Long at = Rows.nullableLong(rs, 10 + i);
      if (at != null) times.put(TIMED.get(i), at);
    }
    return new BatchRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        rs.getString(6), BatchStatus.ofWireName(rs.getString(7)), rs.getLong(8), rs.getLong(9), times,
        rs.getInt(17), rs.getInt(18), rs.getInt(19), rs.getString(20), rs.getString(21), rs.getString(22),
        rs.getString(23), Rows.nullableLong(rs, 24),
        new Usage(rs.getLong(25), rs.getLong(26), rs.getLong(27), rs.getLong(28), rs.getLong(29)), rs.getInt(30),
        windows(rs.getString(31)),
        new Spend(rs.getLong(32), rs.getLong(33), Rows.nullableLong(rs, 34), rs.getString(35), Rows.nullableLong(rs, 36)),
        new Canary(Rows.nullableInt(rs, 37), rs.getString(38) == null ? null : new BigDecimal(rs.getString(38)),
            lines(rs.getString(39)), Canary.State.ofColumn(rs.getString(40))),
        rs.getLong(41), rs.getString(42), new BatchRecord.Archive(Rows.nullableLong(rs, 43), counts(rs.getString(44))));
  }

  private static String windowsJson(List<TimeWindow> windows) {
    return windows.isEmpty() ? null : json(windows.stream().map(TimeWindow::toString).toList());
  }

  private static String json(List<?> values) {
    try {
      return JSON.writeValueAsString(values);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a list of strings or numbers always serializes", e);
    }
  }

  private static final TypeReference<Map<String, Integer>> COUNTS = new TypeReference<>() {};

  private static Map<RequestState, Integer> counts(String json) throws SQLException {
    if (json == null) return Map.of();
    try {
      Map<RequestState, Integer> counts = new EnumMap<>(RequestState.class);
      JSON.readValue(json, COUNTS).forEach((state, n) -> counts.put(RequestState.ofColumn(state), n));
      return counts;
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new SQLException("batches.final_counts holds '" + json + "': " + e.getMessage(), e);
    }
  }

  /**
   * Up to {@code limit} ids of batches whose results are due for archiving: created before {@code createdBefore},
   * ended before {@code endedBefore}, not archived yet; oldest first.
   */
  public List<String> dueForArchive(long createdBefore, long endedBefore, int limit) {
    return ids("SELECT id FROM batches WHERE archived_at IS NULL AND created_at < ?"
        + " AND status IN ('completed', 'failed', 'expired', 'cancelled')"
        + " AND COALESCE(completed_at, failed_at, expired_at, cancelled_at) < ? ORDER BY created_at LIMIT ?",
        createdBefore, endedBefore, limit);
  }

  /** Up to {@code limit} ids of batches archived before {@code archivedBefore} whose request rows are not deleted yet. */
  public List<String> dueForPurge(long archivedBefore, int limit) {
    return ids("SELECT id FROM batches WHERE archived_at IS NOT NULL AND purged_at IS NULL AND archived_at < ?"
        + " ORDER BY archived_at LIMIT ?", archivedBefore, limit);
  }

  private List<String> ids(String sql, long... params) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        for (int i = 0; i < params.length; i++) ps.setLong(i + 1, params[i]);
        List<String> ids = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) ids.add(rs.getString(1));
        }
        return ids;
      }
    });
  }

  /** Records that an archived batch's request rows are all deleted. */
  public void purged(String id, long now) {
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE batches SET purged_at = ? WHERE id = ? AND archived_at IS NOT NULL AND purged_at IS NULL")) {
        ps.setLong(1, now);
        ps.setString(2, id);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /**
   * Marks an ended batch's results archived at {@code now}, keeping {@code counts} (requests per final
   * state) in their place; a batch archived already keeps its first record. The request rows go after.
   * Whether this call archived it.
   */
  public boolean archive(String id, Map<RequestState, Integer> counts, long now) {
    Map<String, Integer> byColumn = new TreeMap<>();
    counts.forEach((state, n) -> byColumn.put(state.column(), n));
    String json;
    try {
      json = JSON.writeValueAsString(byColumn);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings to numbers always serializes", e);
    }
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET archived_at = ?, final_counts = ?"
          + " WHERE id = ? AND archived_at IS NULL AND status IN ('completed', 'failed', 'expired', 'cancelled')")) {
        ps.setLong(1, now);
        ps.setString(2, json);
        ps.setString(3, id);
        return ps.executeUpdate() == 1;
      }
    });
  }

  private static List<Integer> lines(String json) throws SQLException {
    if (json == null) return List.of();
    try {
      return JSON.readValue(json, INTS);
    } catch (JsonProcessingException e) {
      throw new SQLException("batches.canary_lines holds '" + json + "': " + e.getMessage(), e);
    }
  }

  private static List<TimeWindow> windows(String json) throws SQLException {
    if (json == null) return List.of();
    try {
      return JSON.readValue(json, STRINGS).stream().map(TimeWindow::parse).toList();
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new SQLException("batches.run_windows holds '" + json + "': " + e.getMessage(), e);
    }
  }
}
