package dev.barge.store;

import dev.barge.batch.model.BatchStatus;
import dev.barge.batch.model.RequestState;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What becomes of ended batches: deleted when their owner asks, or their results archived after the
 * retention (the archive record keeps their counts) and their request rows purged after that.
 */
public final class BatchRetention {
  private final Database db;

  public BatchRetention(Database db) {
    this.db = db;
  }

  /** Deletes a batch that has ended, with its request rows. False when it has not ended (or is gone). */
  public boolean deleteEnded(String id) {
    return db.write(c -> {
      try (PreparedStatement rows = c.prepareStatement("DELETE FROM requests WHERE batch_id = ? AND EXISTS"
          + " (SELECT 1 FROM batches WHERE id = ? AND status " + BatchRows.in(BatchStatus.ENDED) + ")")) {
        rows.setString(1, id);
        rows.setString(2, id);
        rows.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM batches WHERE id = ?"
          + " AND status " + BatchRows.in(BatchStatus.ENDED))) {
        ps.setString(1, id);
        return ps.executeUpdate() == 1;
      }
    });
  }

  /**
   * Up to {@code limit} ids of batches whose results are due for archiving: created before {@code createdBefore},
   * ended before {@code endedBefore}, not archived yet; oldest first.
   */
  public List<String> dueForArchive(long createdBefore, long endedBefore, int limit) {
    return ids("SELECT id FROM batches WHERE archived_at IS NULL AND created_at < ?"
        + " AND status " + BatchRows.in(BatchStatus.ENDED)
        + " AND COALESCE(completed_at, failed_at, expired_at, cancelled_at) < ? ORDER BY created_at LIMIT ?",
        createdBefore, endedBefore, limit);
  }

  /** Up to {@code limit} ids of batches archived before {@code archivedBefore} whose request rows are not deleted yet. */
  public List<String> dueForPurge(long archivedBefore, int limit) {
    return ids("SELECT id FROM batches WHERE archived_at IS NOT NULL AND purged_at IS NULL AND archived_at < ?"
        + " ORDER BY archived_at LIMIT ?", archivedBefore, limit);
  }

  private List<String> ids(String sql, long... params) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        for (int i = 0; i < params.length; i++) ps.setLong(i + 1, params[i]);
        List<String> ids = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) ids.add(rs.getString(1));
        }
        return ids;
      }
    });
  }

  /** Records that an archived batch's request rows are all deleted. */
  public void purged(String id, long now) {
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE batches SET purged_at = ? WHERE id = ? AND archived_at IS NOT NULL AND purged_at IS NULL")) {
        ps.setLong(1, now);
        ps.setString(2, id);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /**
   * Marks an ended batch's results archived at {@code now}, keeping {@code counts} (requests per final
   * state) in their place; a batch archived already keeps its first record. The request rows go after.
   * Whether this call archived it.
   */
  public boolean archive(String id, Map<RequestState, Integer> counts, long now) {
    Map<String, Integer> byColumn = new TreeMap<>();
    counts.forEach((state, n) -> byColumn.put(state.column(), n));
    String json = BatchRows.json(byColumn);
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET archived_at = ?, final_counts = ?"
          + " WHERE id = ? AND archived_at IS NULL AND status " + BatchRows.in(BatchStatus.ENDED))) {
        ps.setLong(1, now);
        ps.setString(2, json);
        ps.setString(3, id);
        return ps.executeUpdate() == 1;
      }
    });
  }
}
