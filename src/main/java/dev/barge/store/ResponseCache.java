package dev.barge.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The response cache across batches: an index over the result rows themselves ({@code requests.cache_key}),
 * not a copy of the answers. A line of a new batch with a key takes the answer of the newest successful,
 * called (not itself cached) line of another batch of the same project with the same key, answered since a
 * given time: its state, body and token counts, at cost 0.
 */
public final class ResponseCache {
  /** Lines looked up per read; the answers of a page are held in memory at once. */
  private static final int PAGE = 500;

  private final Database db;

  public ResponseCache(Database db) {
    this.db = db;
  }

  /**
   * What a batch took from the cache.
   *
   * @param requests how many of its lines were answered from it
   * @param listCost what those answers cost when they were called: what the cache saved
   * @param lines which lines
   */
  public record Taken(int requests, long listCost, BitSet lines) {}

  /** An earlier answer: the row's result, and what it cost. */
  private record Answer(String response, Integer statusCode, String requestId, Long inputTokens, Long outputTokens,
      Long cachedTokens, long cost) {}

  /**
   * Answers the queued lines of {@code batchId} that have a key from the cache, a page at a time; lines
   * with no answer in it stay queued. Run before the batch starts (no line of it is claimed yet), and
   * again from the start after a restart (its rows are then rewritten from the input).
   */
  public Taken answerQueued(String batchId, String project, long answeredSince, long now) {
    int requests = 0;
    long listCost = 0;
    BitSet lines = new BitSet();
    int after = 0;
    while (true) {
      Map<Integer, String> page = keysAfter(batchId, after);
      if (page.isEmpty()) break;
      after = Collections.max(page.keySet());
      Map<String, Answer> answers = answers(batchId, project, new LinkedHashSet<>(page.values()), answeredSince);
      if (answers.isEmpty()) continue;
      List<Map.Entry<Integer, Answer>> hits = new ArrayList<>();
      page.forEach((line, key) -> {
        Answer a = answers.get(key);
        if (a != null) hits.add(Map.entry(line, a));
      });
      db.write(c -> write(c, batchId, hits, now)); // no line of a validating batch is claimed: all are queued
      for (var hit : hits) {
        lines.set(hit.getKey());
        listCost += hit.getValue().cost();
      }
      requests += hits.size();
    }
    return new Taken(requests, listCost, lines);
  }

  private Map<Integer, String> keysAfter(String batchId, int after) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT line, cache_key FROM requests WHERE batch_id = ?"
          + " AND line > ? AND state = 'queued' AND cache_key IS NOT NULL ORDER BY line LIMIT ?")) {
        ps.setString(1, batchId);
        ps.setInt(2, after);
        ps.setInt(3, PAGE);
        Map<Integer, String> out = new HashMap<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) out.put(rs.getInt(1), rs.getString(2));
        }
        return out;
      }
    });
  }

  /** The newest answer to each key, of the project's other batches, answered since {@code since}. */
  private Map<String, Answer> answers(String batchId, String project, Set<String> keys, long since) {
    return db.read(c -> {
      String marks = String.join(",", Collections.nCopies(keys.size(), "?"));
      try (PreparedStatement ps = c.prepareStatement("SELECT r.cache_key, r.response, r.status_code, r.request_id,"
          + " r.input_tokens, r.output_tokens, r.cached_tokens, r.cost FROM requests r"
          + " JOIN batches b ON b.id = r.batch_id WHERE r.cache_key IN (" + marks + ") AND r.state = 'succeeded'"
          + " AND r.cached = 0 AND r.finished_at >= ? AND r.batch_id <> ? AND b.project = ?"
          + " ORDER BY r.finished_at DESC")) {
        int i = 1;
        for (String key : keys) ps.setString(i++, key);
        ps.setLong(i++, since);
        ps.setString(i++, batchId);
        ps.setString(i, project);
        Map<String, Answer> newest = new HashMap<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) { // newest first: the first answer to a key is the one it takes
            if (newest.containsKey(rs.getString(1))) continue;
            newest.put(rs.getString(1), new Answer(rs.getString(2), Rows.nullableInt(rs, 3), rs.getString(4),
                Rows.nullableLong(rs, 5), Rows.nullableLong(rs, 6), Rows.nullableLong(rs, 7), rs.getLong(8)));
          }
        }
        return newest;
      }
    });
  }

  private static Void write(Connection c, String batchId, List<Map.Entry<Integer, Answer>> hits, long now)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE requests SET state = 'succeeded', response = ?,"
        + " status_code = ?, request_id = ?, input_tokens = ?, output_tokens = ?, cached_tokens = ?, cost = 0,"
        + " cached = 1, finished_at = ? WHERE batch_id = ? AND line = ? AND state = 'queued'")) {
      for (var hit : hits) {
        Answer a = hit.getValue();
        ps.setString(1, a.response());
        Rows.setNullableInt(ps, 2, a.statusCode());
        ps.setString(3, a.requestId());
        Rows.setNullableLong(ps, 4, a.inputTokens());
        Rows.setNullableLong(ps, 5, a.outputTokens());
        Rows.setNullableLong(ps, 6, a.cachedTokens());
        ps.setLong(7, now);
        ps.setString(8, batchId);
        ps.setInt(9, hit.getKey());
        ps.addBatch();
      }
      ps.executeBatch();
      return null;
    }
  }
}
