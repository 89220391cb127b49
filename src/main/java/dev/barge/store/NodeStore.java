package dev.barge.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.Set;

/** The {@code nodes} table: which Barge processes share this database, and which are alive. */
public final class NodeStore {
  private final Database db;

  public NodeStore(Database db) {
    this.db = db;
  }

  /** Records that {@code id} is alive at {@code now}, registering it on its first beat. */
  public void heartbeat(String id, long now) {
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO nodes (id, started_at, heartbeat_at)"
          + " VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at")) {
        ps.setString(1, id);
        ps.setLong(2, now);
        ps.setLong(3, now);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** The ids of the nodes whose last heartbeat is at or after {@code aliveSince}. */
  public Set<String> alive(long aliveSince) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT id FROM nodes WHERE heartbeat_at >= ?")) {
        ps.setLong(1, aliveSince);
        Set<String> ids = new HashSet<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) ids.add(rs.getString(1));
        }
        return Set.copyOf(ids);
      }
    });
  }

  /** A node leaving cleanly; also forgets nodes silent since {@code forgetBefore}. */
  public void leave(String id, long forgetBefore) {
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM nodes WHERE id = ? OR heartbeat_at < ?")) {
        ps.setString(1, id);
        ps.setLong(2, forgetBefore);
        ps.executeUpdate();
      }
      return null;
    });
  }
}
