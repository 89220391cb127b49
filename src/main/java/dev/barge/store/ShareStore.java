package dev.barge.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code backend_shares} table: which part of each backend's limits every node holds, and which part it
 * wants. A node renews its own rows in a transaction that no other node's renewal runs beside, so a node
 * that takes more than it held sees what every other node holds at that moment, and the parts never add up
 * to more than the whole.
 */
public final class ShareStore {
  private final Database db;

  public ShareStore(Database db) {
    this.db = db;
  }

  /** A node's part of one backend's limits: what it holds and what it wants, each from 0 to 1. */
  public record Share(double held, double wants) {}

  /** This node's new shares, per backend, given those of the other live nodes per backend. */
  @FunctionalInterface
  public interface Decision {
    Map<String, Share> decide(Map<String, List<Share>> others);
  }

  /**
   * Replaces the shares of node {@code nodeId} with what {@code decision} makes of the shares of the other
   * nodes alive (a heartbeat at most {@code deadAfter} old), and returns them.
   */
  public Map<String, Share> renew(String nodeId, Duration deadAfter, Decision decision) {
    return db.write(c -> {
      lockAgainstOtherRenewals(c);
      Map<String, Share> own = decision.decide(othersAlive(c, nodeId, deadAfter));
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO backend_shares (node_id, backend, share, wants)"
          + " VALUES (?, ?, ?, ?) ON CONFLICT (node_id, backend)"
          + " DO UPDATE SET share = excluded.share, wants = excluded.wants")) {
        for (Map.Entry<String, Share> e : own.entrySet()) {
          ps.setString(1, nodeId);
          ps.setString(2, e.getKey());
          ps.setDouble(3, e.getValue().held());
          ps.setDouble(4, e.getValue().wants());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      return own;
    });
  }

  /** Deletes the shares of {@code nodeId} (leaving) and of nodes no longer registered. */
  public void forget(String nodeId) {
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM backend_shares WHERE node_id = ?"
          + " OR node_id NOT IN (SELECT id FROM nodes)")) {
        ps.setString(1, nodeId);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** SQLite writes one transaction at a time anyway; PostgreSQL takes a lock held to the commit. */
  private void lockAgainstOtherRenewals(Connection c) throws SQLException {
    if (db.dialect() != Database.Dialect.POSTGRESQL) return;
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('barge-backend-shares'))")) {
      ps.executeQuery().close();
    }
  }

  private Map<String, List<Share>> othersAlive(Connection c, String nodeId, Duration deadAfter) throws SQLException {
    Map<String, List<Share>> others = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT s.backend, s.share, s.wants FROM backend_shares s"
        + " JOIN nodes n ON n.id = s.node_id WHERE s.node_id <> ? AND n.heartbeat_at >= "
        + db.dialect().nowMillis + " - ?")) {
      ps.setString(1, nodeId);
      ps.setLong(2, deadAfter.toMillis());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          others.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new Share(rs.getDouble(2), rs.getDouble(3)));
        }
      }
    }
    return others;
  }
}
