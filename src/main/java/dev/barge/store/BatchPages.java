package dev.barge.store;

import dev.barge.batch.model.BatchApi;
import dev.barge.batch.model.BatchRecord;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Pages of a project's batches as an API lists them: each API sees the batches created through it. */
public final class BatchPages {
  private final Database db;

  public BatchPages(Database db) {
    this.db = db;
  }

  /** Batches of a project that came through {@code api}, newest first (ties by id), strictly after {@code after} when given. */
  public Page<BatchRecord> list(String project, BatchApi api, String after, int limit) {
    return db.read(c -> {
      String sql = "SELECT " + BatchRows.COLUMNS + " FROM batches b WHERE project = ? AND api = ?"
          + (after == null ? "" : " AND EXISTS (SELECT 1 FROM batches a WHERE a.id = ? AND a.project = b.project"
              + " AND (b.created_at < a.created_at OR (b.created_at = a.created_at AND b.id < a.id)))")
          + " ORDER BY created_at DESC, id DESC LIMIT ?";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int i = 1;
        ps.setString(i++, project);
        ps.setString(i++, api.column());
        if (after != null) ps.setString(i++, after);
        ps.setInt(i, limit + 1);
        List<BatchRecord> out = BatchRows.readAll(ps);
        boolean more = out.size() > limit;
        return new Page<>(more ? out.subList(0, limit) : out, more);
      }
    });
  }

  /**
   * The {@code limit} batches of a project and api immediately newer than {@code before}, newest first;
   * {@code hasMore} says whether still newer ones exist.
   */
  public Page<BatchRecord> listNewer(String project, BatchApi api, String before, int limit) {
    return db.read(c -> {
      String sql = "SELECT " + BatchRows.COLUMNS + " FROM batches b WHERE project = ? AND api = ? AND EXISTS (SELECT 1 FROM"
          + " batches a WHERE a.id = ? AND a.project = b.project"
          + " AND (b.created_at > a.created_at OR (b.created_at = a.created_at AND b.id > a.id)))"
          + " ORDER BY created_at ASC, id ASC LIMIT ?";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setString(1, project);
        ps.setString(2, api.column());
        ps.setString(3, before);
        ps.setInt(4, limit + 1);
        List<BatchRecord> out = new ArrayList<>(BatchRows.readAll(ps));
        boolean more = out.size() > limit;
        List<BatchRecord> page = new ArrayList<>(more ? out.subList(0, limit) : out);
        Collections.reverse(page);
        return new Page<>(page, more);
      }
    });
  }
}
