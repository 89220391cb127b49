package dev.barge.store;

import dev.barge.batch.model.RequestState;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Reads of the {@code requests} table: counts for progress and metrics, result pages and files, error groups. */
public final class RequestQueries {
  private static final int PAGE = 1000;
  /** A result line's bytes besides its answer and custom_id: ids, status, keys (about 150; rounded up). */
  private static final int LINE_OVERHEAD_BYTES = 200;

  private final Database db;

  public RequestQueries(Database db) {
    this.db = db;
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
            out.computeIfAbsent(rs.getString(1), k -> new EnumMap<>(RequestState.class))
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

  /** Streams a batch's settled requests in line order to {@code sink}. */
  public void forEachResult(String batchId, Consumer<ResultRow> sink) {
    db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT line, custom_id, state, status_code, request_id,"
          + " response, error_code, error_message, cached FROM requests WHERE batch_id = ? ORDER BY line")) {
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

  /** Up to {@code limit} rows of a batch after line {@code afterLine}, in line order, whatever their state. */
  public List<ResultRow> rowsAfter(String batchId, int afterLine, int limit) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT line, custom_id, state, status_code, request_id,"
          + " response, error_code, error_message, cached FROM requests WHERE batch_id = ? AND line > ? ORDER BY line LIMIT ?")) {
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

  private static ResultRow resultRow(ResultSet rs) throws SQLException {
    return new ResultRow(rs.getInt(1), rs.getString(2), RequestState.ofColumn(rs.getString(3)),
        Rows.nullableInt(rs, 4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getInt(9) == 1);
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

  /** The lines provider job {@code jobId} still holds, in batch and line order: what its input is made of. */
  public List<ClaimedRequest> heldByJob(String jobId) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT batch_id, line, custom_id, byte_offset, byte_length,"
          + " attempts FROM requests WHERE upstream_job = ? AND lease_owner = ? ORDER BY batch_id, line")) {
        ps.setString(1, jobId);
        ps.setString(2, jobId);
        List<ClaimedRequest> lines = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            lines.add(new ClaimedRequest(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getLong(4),
                rs.getInt(5), rs.getInt(6)));
          }
        }
        return lines;
      }
    });
  }

  /** Whether provider job {@code jobId} still holds any line: when none, nothing it could answer is wanted. */
  public boolean jobHoldsAny(String jobId) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT 1 FROM requests WHERE upstream_job = ? AND lease_owner = ? LIMIT 1")) {
        ps.setString(1, jobId);
        ps.setString(2, jobId);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next();
        }
      }
    });
  }

  /** Whether line {@code line} of batch {@code batchId} was put in provider job {@code jobId}. */
  public boolean wasInJob(String batchId, int line, String jobId) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT 1 FROM requests WHERE batch_id = ? AND line = ? AND upstream_job = ?")) {
        ps.setString(1, batchId);
        ps.setInt(2, line);
        ps.setString(3, jobId);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next();
        }
      }
    });
  }
}
