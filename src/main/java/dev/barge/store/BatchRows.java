package dev.barge.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.batch.model.BatchApi;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchStatus;
import dev.barge.batch.model.CacheMode;
import dev.barge.batch.model.Canary;
import dev.barge.batch.model.RequestState;
import dev.barge.config.TimeWindow;
import dev.barge.cost.Spend;
import dev.barge.cost.StopReason;
import dev.barge.cost.Usage;
import java.math.BigDecimal;
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

/**
 * How a {@code batches} row reads as a {@link BatchRecord}, and the JSON its list columns hold. Columns are
 * read by name, so a column added to {@link #COLUMNS} cannot shift the others.
 */
final class BatchRows {
  static final String COLUMNS = "id, project, endpoint, model, input_file_id, completion_window, status,"
      + " created_at, expires_at, in_progress_at, finalizing_at, completed_at, failed_at, expired_at, cancelling_at,"
      + " cancelled_at, total, completed, failed, output_file_id, error_file_id, errors, metadata,"
      + " output_expires_after, input_tokens, cached_tokens, output_tokens, reasoning_tokens, total_tokens, priority, run_windows,"
      + " cost, list_cost, max_cost, stopped_reason, stopped_at, canary_size, canary_max_failure_rate, canary_lines,"
      + " canary_state, enqueued_tokens, api, archived_at, final_counts, cache, cached_requests";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<List<Integer>> INTS = new TypeReference<>() {};
  private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};
  private static final TypeReference<Map<String, Integer>> COUNTS = new TypeReference<>() {};

  private BatchRows() {}

  /** {@code IN ('a', 'b')} over the column values of {@code statuses}: they are constants, not caller input. */
  static String in(Set<BatchStatus> statuses) {
    return statuses.stream().map(s -> "'" + s.wireName() + "'").collect(Collectors.joining(", ", "IN (", ")"));
  }

  /** The one batch that {@code sql} (with the id as its only parameter) selects, if any. */
  static Optional<BatchRecord> selectOne(Connection c, String sql, String id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, id);
      List<BatchRecord> all = readAll(ps);
      return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }
  }

  static List<BatchRecord> readAll(PreparedStatement ps) throws SQLException {
    List<BatchRecord> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) out.add(map(rs));
    }
    return out;
  }

  private static BatchRecord map(ResultSet rs) throws SQLException {
    Map<BatchStatus, Long> times = new EnumMap<>(BatchStatus.class);
    times.put(BatchStatus.VALIDATING, rs.getLong("created_at"));
    for (BatchStatus s : BatchStatus.ENTERED_LATER) {
      Long at = Rows.nullableLong(rs, s.timestampColumn());
      if (at != null) times.put(s, at);
    }
    String failureRate = rs.getString("canary_max_failure_rate");
    return new BatchRecord(rs.getString("id"), rs.getString("project"), rs.getString("endpoint"),
        rs.getString("model"), rs.getString("input_file_id"), rs.getString("completion_window"),
        BatchStatus.ofWireName(rs.getString("status")), rs.getLong("created_at"), rs.getLong("expires_at"), times,
        rs.getInt("total"), rs.getInt("completed"), rs.getInt("failed"), rs.getString("output_file_id"),
        rs.getString("error_file_id"), rs.getString("errors"), rs.getString("metadata"),
        Rows.nullableLong(rs, "output_expires_after"),
        new Usage(rs.getLong("input_tokens"), rs.getLong("cached_tokens"), rs.getLong("output_tokens"),
            rs.getLong("reasoning_tokens"), rs.getLong("total_tokens")),
        rs.getInt("priority"), windows(rs.getString("run_windows")),
        new Spend(rs.getLong("cost"), rs.getLong("list_cost"), Rows.nullableLong(rs, "max_cost"),
            StopReason.ofWireName(rs.getString("stopped_reason")), Rows.nullableLong(rs, "stopped_at")),
        new Canary(Rows.nullableInt(rs, "canary_size"), failureRate == null ? null : new BigDecimal(failureRate),
            lines(rs.getString("canary_lines")), Canary.State.ofColumn(rs.getString("canary_state"))),
        rs.getLong("enqueued_tokens"), BatchApi.ofColumn(rs.getString("api")),
        new BatchRecord.Archive(Rows.nullableLong(rs, "archived_at"), counts(rs.getString("final_counts"))),
        CacheMode.ofColumn(rs.getString("cache")), rs.getInt("cached_requests"));
  }

  /** The {@code run_windows} column's value: null for none. */
  static String windowsJson(List<TimeWindow> windows) {
    return windows.isEmpty() ? null : json(windows.stream().map(TimeWindow::toString).toList());
  }

  /** JSON of a plain list or map of strings and numbers. */
  static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a plain list or map of strings and numbers always serializes", e);
    }
  }

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
