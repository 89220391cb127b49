package dev.barge.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/** When a project created batches and ran dry runs: what its limit of creations per hour counts. */
public final class CreationLog {
  private final Database db;

  public CreationLog(Database db) {
    this.db = db;
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
}
