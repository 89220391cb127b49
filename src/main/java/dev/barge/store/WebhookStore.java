package dev.barge.store;

import dev.barge.batch.model.BatchStatus;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/**
 * The webhook outbox: an event per OpenAI batch that ended ({@code batch.completed} and so on) and per
 * background response that ended ({@code response.completed} and so on), and one delivery per event and
 * endpoint, with its attempts.
 */
public final class WebhookStore {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Database db;

  public WebhookStore(Database db) {
    this.db = db;
  }

  /**
   * A delivery due now: what to send, and how many attempts it has had. {@code subjectId} is the batch or
   * background response the event is about.
   */
  public record Due(String eventId, String endpoint, String type, String subjectId, String project, long createdAt,
      int attempts, long nextAttemptAt) {}

  /** Records the end of a batch as an event, in the caller's transaction (only for the OpenAI door's batches). */
  static void recordEnd(Connection c, String batchId, BatchStatus status, long now) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhook_events (id, subject_id, project, type, created_at)"
        + " SELECT ?, id, project, ?, ? FROM batches WHERE id = ? AND api = 'openai'")) {
      ps.setString(1, newEventId());
      ps.setString(2, "batch." + status.wireName());
      ps.setLong(3, now);
      ps.setString(4, batchId);
      ps.executeUpdate();
    }
  }

  /**
   * Records the end of a background response as an event ({@code response.} and its final status), in the
   * caller's transaction.
   */
  static void recordResponseEnd(Connection c, String responseId, String project, String status, long now)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhook_events (id, subject_id, project, type,"
        + " created_at) VALUES (?,?,?,?,?)")) {
      ps.setString(1, newEventId());
      ps.setString(2, responseId);
      ps.setString(3, project);
      ps.setString(4, "response." + status);
      ps.setLong(5, now);
      ps.executeUpdate();
    }
  }

  private static String newEventId() {
    byte[] random = new byte[12];
    RANDOM.nextBytes(random);
    return "evt_" + HexFormat.of().formatHex(random);
  }

  /**
   * Deletes the events created before {@code before} with their deliveries: past the give-up time nothing
   * is sent any more, and without this every batch ever ended would stay here (events are written whether
   * or not a webhook is configured). Returns how many events went.
   */
  public int prune(long before) {
    return db.write(c -> {
      try (PreparedStatement deliveries = c.prepareStatement("DELETE FROM webhook_deliveries WHERE event_id IN"
              + " (SELECT id FROM webhook_events WHERE created_at < ?)");
          PreparedStatement events = c.prepareStatement("DELETE FROM webhook_events WHERE created_at < ?")) {
        deliveries.setLong(1, before);
        deliveries.executeUpdate();
        events.setLong(1, before);
        return events.executeUpdate();
      }
    });
  }

  /**
   * Creates the deliveries to {@code endpoint} of events of {@code types} since {@code since} it has none of yet,
   * of the batches of {@code projects} (null: of every project).
   */
  public int fanOut(String endpoint, List<String> types, List<String> projects, long since) {
    if (types.isEmpty()) return 0;
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhook_deliveries (event_id, endpoint, attempts,"
          + " next_attempt_at) SELECT id, ?, 0, created_at FROM webhook_events e WHERE created_at >= ? AND type IN ("
          + placeholders(types) + ")" + (projects == null ? "" : " AND project IN (" + placeholders(projects) + ")")
          + " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.endpoint = ?)")) {
        int i = 1;
        ps.setString(i++, endpoint);
        ps.setLong(i++, since);
        for (String type : types) ps.setString(i++, type);
        if (projects != null) for (String project : projects) ps.setString(i++, project);
        ps.setString(i, endpoint);
        return ps.executeUpdate();
      }
    });
  }

  /** Deliveries to {@code endpoints} due at {@code now}, oldest first (an endpoint no longer configured waits). */
  public List<Due> due(List<String> endpoints, long now, int limit) {
    if (endpoints.isEmpty()) return List.of();
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT d.event_id, d.endpoint, e.type, e.subject_id, e.project,"
          + " e.created_at, d.attempts, d.next_attempt_at FROM webhook_deliveries d JOIN webhook_events e"
          + " ON e.id = d.event_id WHERE d.delivered_at IS NULL AND d.given_up_at IS NULL AND d.next_attempt_at <= ?"
          + " AND d.endpoint IN (" + placeholders(endpoints) + ") ORDER BY d.next_attempt_at LIMIT ?")) {
        int i = 1;
        ps.setLong(i++, now);
        for (String endpoint : endpoints) ps.setString(i++, endpoint);
        ps.setInt(i, limit);
        List<Due> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new Due(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getLong(6), rs.getInt(7), rs.getLong(8)));
          }
        }
        return out;
      }
    });
  }

  private static String placeholders(List<String> values) {
    return String.join(",", Collections.nCopies(values.size(), "?"));
  }

  /**
   * Takes a due delivery for one attempt, pushing its next attempt to {@code retryAt} in case this one never
   * reports back (a crash); false when another node took it first.
   */
  public boolean take(Due d, long retryAt) {
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_deliveries SET next_attempt_at = ?,"
          + " attempts = attempts + 1 WHERE event_id = ? AND endpoint = ? AND next_attempt_at = ?"
          + " AND delivered_at IS NULL")) {
        ps.setLong(1, retryAt);
        ps.setString(2, d.eventId());
        ps.setString(3, d.endpoint());
        ps.setLong(4, d.nextAttemptAt());
        return ps.executeUpdate() == 1;
      }
    });
  }

  public void delivered(Due d, long now) {
    update(d, "delivered_at = ?, last_error = NULL", now);
  }

  /** The attempt failed: the next comes at {@code retryAt}. */
  public void failed(Due d, String error, long retryAt) {
    update(d, "next_attempt_at = ?, last_error = ?", retryAt, error);
  }

  public void gaveUp(Due d, String error, long now) {
    update(d, "given_up_at = ?, last_error = ?", now, error);
  }

  private void update(Due d, String set, Object... values) {
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_deliveries SET " + set
          + " WHERE event_id = ? AND endpoint = ?")) {
        int i = 1;
        for (Object v : values) ps.setObject(i++, v);
        ps.setString(i++, d.eventId());
        ps.setString(i, d.endpoint());
        ps.executeUpdate();
      }
      return null;
    });
  }
}
