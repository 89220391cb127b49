package dev.barge.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/** The {@code idempotency_keys} table: which object each create request's key made, for {@link #KEEP}. */
public final class IdempotencyStore {
  /** How long a key stands for what it created; after that it is free again. */
  public static final Duration KEEP = Duration.ofHours(24);

  private final Database db;

  public IdempotencyStore(Database db) {
    this.db = db;
  }

  /** An earlier use of a key: the request it came with and what it created. */
  public record Use(String route, String fingerprint, String objectId) {}

  /** The key is already taken; thrown inside the creating transaction, so that nothing of it stays. */
  public static final class KeyTaken extends RuntimeException {
    private final Use earlier;

    KeyTaken(Use earlier) {
      super("the idempotency key was used before", null, false, false);
      this.earlier = earlier;
    }

    public Use earlier() {
      return earlier;
    }
  }

  /** The use of {@code key} in {@code project} within {@link #KEEP} before {@code now}, if any. */
  public Optional<Use> find(String project, String key, long now) {
    return db.read(c -> select(c, project, key, now - KEEP.toMillis()));
  }

  /**
   * Claims {@code key} for {@code objectId} in the caller's transaction, which creates that object. A request
   * that claimed it first wins: on PostgreSQL this waits for its transaction to end. Throws {@link KeyTaken}
   * with the winner's use.
   */
  static void claim(Connection c, IdempotencyKey key, String project, String objectId, long now) throws SQLException {
    try (PreparedStatement expired = c.prepareStatement("DELETE FROM idempotency_keys WHERE project = ?"
        + " AND idempotency_key = ? AND created_at <= ?")) {
      expired.setString(1, project);
      expired.setString(2, key.key());
      expired.setLong(3, now - KEEP.toMillis());
      expired.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO idempotency_keys (project, idempotency_key, route,"
        + " fingerprint, object_id, created_at) VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING")) {
      ps.setString(1, project);
      ps.setString(2, key.key());
      ps.setString(3, key.route());
      ps.setString(4, key.fingerprint());
      ps.setString(5, objectId);
      ps.setLong(6, now);
      if (ps.executeUpdate() == 1) return;
    }
    throw new KeyTaken(select(c, project, key.key(), Long.MIN_VALUE).orElseThrow());
  }

  private static Optional<Use> select(Connection c, String project, String key, long after) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT route, fingerprint, object_id FROM idempotency_keys"
        + " WHERE project = ? AND idempotency_key = ? AND created_at > ?")) {
      ps.setString(1, project);
      ps.setString(2, key);
      ps.setLong(3, after);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(new Use(rs.getString(1), rs.getString(2), rs.getString(3))) : Optional.empty();
      }
    }
  }

  /** Deletes the keys older than {@link #KEEP} at {@code now}; returns how many went. */
  public int prune(long now) {
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM idempotency_keys WHERE created_at <= ?")) {
        ps.setLong(1, now - KEEP.toMillis());
        return ps.executeUpdate();
      }
    });
  }
}
