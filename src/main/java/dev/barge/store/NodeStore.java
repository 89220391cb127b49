package dev.barge.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * The {@code nodes} table: which Barge processes share this database, and which are alive. Every time here
 * is the database's, never a node's own clock: nodes whose clocks disagree still agree on who is alive.
 */
public final class NodeStore {
  private final Database db;
  private final String now;

  public NodeStore(Database db) {
    this.db = db;
    this.now = db.dialect().nowMillis;
  }

  /** The nodes with a heartbeat at or after {@code since} (the database's time), read together so that the two agree. */
  public record LiveNodes(Set<String> ids, long since) {}

  /** Records that {@code id} is alive now, registering it on its first beat. */
  public void heartbeat(String id) {
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO nodes (id, started_at, heartbeat_at)"
          + " VALUES (?, " + now + ", " + now + ") ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at")) {
        ps.setString(1, id);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** The nodes whose last heartbeat is at most {@code deadAfter} old. */
  public LiveNodes alive(Duration deadAfter) {
    return db.read(c -> {
      long since;
      try (PreparedStatement ps = c.prepareStatement("SELECT " + now + " - ?")) {
        ps.setLong(1, deadAfter.toMillis());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          since = rs.getLong(1);
        }
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT id FROM nodes WHERE heartbeat_at >= ?")) {
        ps.setLong(1, since);
        Set<String> ids = new HashSet<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) ids.add(rs.getString(1));
        }
        return new LiveNodes(Set.copyOf(ids), since);
      }
    });
  }

  /** A node leaving cleanly; also forgets nodes silent for longer than {@code forgetAfter}. */
  public void leave(String id, Duration forgetAfter) {
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM nodes WHERE id = ? OR heartbeat_at < " + now + " - ?")) {
        ps.setString(1, id);
        ps.setLong(2, forgetAfter.toMillis());
        ps.executeUpdate();
      }
      return null;
    });
  }
}
