package dev.barge.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.config.TimeWindow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The {@code batches} table. Every status change is one conditional update, so racing writers cannot both win. */
public final class BatchStore {
  private static final List<BatchStatus> TIMED = BatchStatus.ENTERED_LATER; // in column order below
  private static final String COLUMNS = "id, project, endpoint, model, input_file_id, completion_window, status,"
      + " created_at, expires_at, in_progress_at, finalizing_at, completed_at, failed_at, expired_at, cancelling_at,"
      + " cancelled_at, total, completed, failed, output_file_id, error_file_id, errors, metadata,"
      + " output_expires_after, input_tokens, cached_tokens, output_tokens, reasoning_tokens, total_tokens, priority, run_windows";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};

  private final Database db;

  public BatchStore(Database db) {
    this.db = db;
  }

  /** Stores a new batch in status {@code validating}. */
  public void insert(BatchRecord b) {
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO batches (id, project, endpoint, input_file_id,"
          + " completion_window, status, created_at, expires_at, metadata, output_expires_after, priority, run_windows)"
          + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")) {
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

  /** Batches of a project, newest first (ties by id), strictly after {@code after} when given. */
  public Page<BatchRecord> list(String project, String after, int limit) {
    return db.read(c -> {
      String sql = "SELECT " + COLUMNS + " FROM batches b WHERE project = ?"
          + (after == null ? "" : " AND EXISTS (SELECT 1 FROM batches a WHERE a.id = ? AND a.project = b.project"
              + " AND (b.created_at < a.created_at OR (b.created_at = a.created_at AND b.id < a.id)))")
          + " ORDER BY created_at DESC, id DESC LIMIT ?";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int i = 1;
        ps.setString(i++, project);
        if (after != null) ps.setString(i++, after);
        ps.setInt(i, limit + 1);
        List<BatchRecord> out = readAll(ps);
        boolean more = out.size() > limit;
        return new Page<>(more ? out.subList(0, limit) : out, more);
      }
    });
  }

  /** Creation times (oldest first) of the project's batches created at or after {@code since}. */
  public List<Long> createdSince(String project, long since) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT created_at FROM batches WHERE project = ? AND created_at >= ? ORDER BY created_at")) {
        ps.setString(1, project);
        ps.setLong(2, since);
        List<Long> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) out.add(rs.getLong(1));
        }
        return out;
      }
    });
  }

  /** Batches that still have work for the engine: not in a terminal status. */
  public List<BatchRecord> active() {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
          + " FROM batches WHERE status IN ('validating', 'in_progress', 'finalizing', 'cancelling')")) {
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
   * Makes {@code node} the batch's worker unless another node that is alive (a heartbeat since
   * {@code aliveSince}) already is. Returns whether {@code node} is the worker now.
   */
  public boolean takeWork(String id, String node, long aliveSince) {
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET worker = ? WHERE id = ? AND (worker IS NULL"
          + " OR worker = ? OR NOT EXISTS (SELECT 1 FROM nodes WHERE nodes.id = batches.worker"
          + " AND nodes.heartbeat_at >= ?))")) {
        ps.setString(1, node);
        ps.setString(2, id);
        ps.setString(3, node);
        ps.setLong(4, aliveSince);
        return ps.executeUpdate() == 1;
      }
    });
  }

  /** Moves the batch to {@code to} if it is in one of {@code from}; false when another change came first. */
  public boolean transition(String id, Set<BatchStatus> from, BatchStatus to, long now) {
    return db.write(c -> transition(c, id, from, to, now));
  }

  static boolean transition(Connection c, String id, Set<BatchStatus> from, BatchStatus to, long now)
      throws SQLException {
    String in = from.stream().map(s -> "'" + s.wireName() + "'").collect(Collectors.joining(","));
    try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET status = ?, " + to.timestampColumn()
        + " = ? WHERE id = ? AND status IN (" + in + ")")) {
      ps.setString(1, to.wireName());
      ps.setLong(2, now);
      ps.setString(3, id);
      return ps.executeUpdate() == 1;
    }
  }

  /** {@code validating → in_progress} before the deadline, recording the file's model and line count. */
  public boolean startProcessing(String id, String model, int total, long now) {
    return db.write(c -> {
      // A batch whose window closed while it was validated expires instead, with no files.
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM batches WHERE id = ? AND expires_at > ?")) {
        ps.setString(1, id);
        ps.setLong(2, now);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) return false;
        }
      }
      if (!transition(c, id, Set.of(BatchStatus.VALIDATING), BatchStatus.IN_PROGRESS, now)) return false;
      try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET model = ?, total = ? WHERE id = ?")) {
        ps.setString(1, model);
        ps.setInt(2, total);
        ps.setString(3, id);
        ps.executeUpdate();
      }
      return true;
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
        new Usage(rs.getLong(25), rs.getLong(26), rs.getLong(27), rs.getLong(28), rs.getLong(29)), rs.getInt(30), windows(rs.getString(31)));
  }

  private static String windowsJson(List<TimeWindow> windows) {
    if (windows.isEmpty()) return null;
    try {
      return JSON.writeValueAsString(windows.stream().map(TimeWindow::toString).toList());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a list of strings always serializes", e);
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
