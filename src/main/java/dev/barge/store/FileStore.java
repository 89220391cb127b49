package dev.barge.store;

import dev.barge.batch.model.BatchStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code files} table. */
public final class FileStore {
  private static final String COLUMNS = "id, project, purpose, filename, bytes, created_at, expires_at, blob_key";

  private final Database db;

  public FileStore(Database db) {
    this.db = db;
  }

  /**
   * Records an uploaded file, on the disk before its uploader hears of it, claiming {@code key} for it when
   * not null: {@link IdempotencyStore.KeyTaken} if it is taken.
   */
  public void insert(FileRecord f, IdempotencyKey key) {
    db.writeDurable(c -> {
      if (key != null) IdempotencyStore.claim(c, key, f.project(), f.id(), f.createdAt());
      return insert(c, f);
    });
  }

  /** Inserts within a caller's transaction, so a file and the batch that points at it appear together. */
  static Void insert(Connection c, FileRecord f) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO files (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?)")) {
      ps.setString(1, f.id());
      ps.setString(2, f.project());
      ps.setString(3, f.purpose());
      ps.setString(4, f.filename());
      ps.setLong(5, f.bytes());
      ps.setLong(6, f.createdAt());
      Rows.setNullableLong(ps, 7, f.expiresAt());
      ps.setString(8, f.blobKey());
      ps.executeUpdate();
    }
    return null;
  }

  /** The file if it exists, belongs to {@code project} and has not expired at {@code now}. */
  public Optional<FileRecord> find(String project, String id, long now) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
          + " FROM files WHERE id = ? AND project = ? AND (expires_at IS NULL OR expires_at > ?)")) {
        ps.setString(1, id);
        ps.setString(2, project);
        ps.setLong(3, now);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(map(rs)) : Optional.empty();
        }
      }
    });
  }

  /** The file even if its expiry has passed: a running batch still reads its input until the sweeper skips it. */
  public Optional<FileRecord> findIgnoringExpiry(String project, String id) {
    return find(project, id, Long.MIN_VALUE);
  }

  /**
   * Files of a project in {@code created_at} order (ties by id), strictly after the file {@code after}
   * when given; an unknown {@code after} gives an empty page.
   */
  public Page<FileRecord> list(String project, String purpose, String after, int limit, boolean ascending, long now) {
    return db.read(c -> {
      String cmp = ascending ? ">" : "<";
      String dir = ascending ? "ASC" : "DESC";
      StringBuilder sql = new StringBuilder("SELECT " + COLUMNS
          + " FROM files f WHERE project = ? AND (expires_at IS NULL OR expires_at > ?)");
      // The input files Barge writes for message batches are its own, not the caller's files, whatever the filter.
      sql.append(" AND purpose <> 'message_batch'");
      if (purpose != null) sql.append(" AND purpose = ?");
      if (after != null) {
        sql.append(" AND EXISTS (SELECT 1 FROM files a WHERE a.id = ? AND a.project = f.project AND (f.created_at ")
            .append(cmp).append(" a.created_at OR (f.created_at = a.created_at AND f.id ").append(cmp).append(" a.id)))");
      }
      sql.append(" ORDER BY created_at ").append(dir).append(", id ").append(dir).append(" LIMIT ?");
      try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
        int i = 1;
        ps.setString(i++, project);
        ps.setLong(i++, now);
        if (purpose != null) ps.setString(i++, purpose);
        if (after != null) ps.setString(i++, after);
        ps.setInt(i, limit + 1);
        List<FileRecord> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) out.add(map(rs));
        }
        boolean more = out.size() > limit;
        return new Page<>(more ? out.subList(0, limit) : out, more);
      }
    });
  }

  public boolean delete(String id) {
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM files WHERE id = ?")) {
        ps.setString(1, id);
        return ps.executeUpdate() == 1;
      }
    });
  }

  /** Files whose expiry has passed, oldest first, for the sweeper to delete; inputs of running batches wait. */
  public List<FileRecord> expired(long now, int limit) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
          + " FROM files WHERE expires_at IS NOT NULL AND expires_at <= ? AND NOT EXISTS (SELECT 1 FROM batches"
          + " WHERE input_file_id = files.id AND status " + BatchRows.in(BatchStatus.ACTIVE) + ")"
          + " ORDER BY expires_at LIMIT ?")) {
        ps.setLong(1, now);
        ps.setInt(2, limit);
        List<FileRecord> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) out.add(map(rs));
        }
        return out;
      }
    });
  }

  private static FileRecord map(ResultSet rs) throws SQLException {
    return new FileRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
        rs.getLong(6), Rows.nullableLong(rs, 7), rs.getString(8));
  }
}
