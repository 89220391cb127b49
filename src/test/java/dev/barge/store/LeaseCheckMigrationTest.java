package dev.barge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.barge.config.StorageConfig;
import dev.barge.e2e.TestStorage;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * V14 on a database that already holds request rows (SQLite rebuilds the table, PostgreSQL adds the check):
 * every row comes through, strays are set straight, and the table keeps its indexes.
 */
class LeaseCheckMigrationTest {
  @TempDir Path dir;

  @Test
  void existingRowsComeThroughAndTheTableKeepsItsIndexes() {
    StorageConfig storage = TestStorage.under(dir);
    Flyway before = Flyway.configure().dataSource(jdbcUrl(storage), storage.postgres() ? storage.postgresLogin().user()
            : null, storage.postgres() ? storage.postgresLogin().password() : null)
        .locations("classpath:db/migration/common").target("13").load();
    before.migrate();
    try (var c = before.getConfiguration().getDataSource().getConnection(); var st = c.createStatement()) {
      st.executeUpdate("INSERT INTO requests (batch_id, line, custom_id, byte_offset, byte_length, state, attempts,"
          + " lease_owner, lease_until, cost) VALUES"
          + " ('b', 1, 'a', 0, 1, 'queued', 0, NULL, NULL, NULL),"
          + " ('b', 2, 'b', 1, 1, 'leased', 1, 'node-1', 5, NULL),"
          + " ('b', 3, 'c', 2, 1, 'succeeded', 1, NULL, NULL, 7),"
          + " ('b', 4, 'd', 3, 1, 'leased', 1, NULL, 5, NULL)," // strays an earlier version could have left
          + " ('b', 5, 'e', 4, 1, 'failed', 2, 'node-1', 5, NULL)");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }

    try (Database db = Database.open(storage)) {
      List<Tuple> rows = db.read(c -> {
        List<Tuple> out = new ArrayList<>();
        try (var st = c.createStatement(); ResultSet rs = st.executeQuery(
            "SELECT line, state, attempts, lease_owner, lease_until, cost FROM requests ORDER BY line")) {
          while (rs.next()) {
            out.add(tuple(rs.getInt(1), rs.getString(2), rs.getInt(3), rs.getString(4), Rows.nullableLong(rs, 5),
                Rows.nullableLong(rs, 6)));
          }
        }
        return out;
      });
      assertThat(rows).containsExactly(tuple(1, "queued", 0, null, null, null), tuple(2, "leased", 1, "node-1", 5L, null),
          tuple(3, "succeeded", 1, null, null, 7L), tuple(4, "queued", 1, null, null, null),
          tuple(5, "failed", 2, null, null, null));
      List<String> indexes = db.read(c -> {
        List<String> names = new ArrayList<>();
        try (var st = c.createStatement(); ResultSet rs = st.executeQuery(storage.postgres()
            ? "SELECT indexname FROM pg_indexes WHERE tablename = 'requests' AND indexname <> 'requests_pkey'"
            : "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'requests' AND sql IS NOT NULL")) {
          while (rs.next()) names.add(rs.getString(1));
        }
        return names;
      });
      // The two the rebuild of V14 must keep (requests_claim rebuilt on claim_rank by V19), and those V15 and V18 add.
      assertThat(indexes).containsExactlyInAnyOrder("requests_claim", "requests_leases", "requests_upstream_job",
          "requests_cache_key");
      // V19: lines still to be claimed keep their place, their line number as their claim rank.
      List<Tuple> ranks = db.read(c -> {
        List<Tuple> out = new ArrayList<>();
        try (var st = c.createStatement(); ResultSet rs = st.executeQuery(
            "SELECT line, claim_rank FROM requests WHERE state IN ('queued', 'leased') ORDER BY line")) {
          while (rs.next()) out.add(tuple(rs.getInt(1), rs.getLong(2)));
        }
        return out;
      });
      assertThat(ranks).containsExactly(tuple(1, 1L), tuple(2, 2L), tuple(4, 4L));
      if (storage.postgres()) {
        boolean validated = db.read(c -> {
          try (var st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT convalidated FROM pg_constraint"
              + " WHERE conname = 'requests_lease_owner_while_leased'")) {
            return rs.next() && rs.getBoolean(1);
          }
        });
        assertThat(validated).isTrue(); // V14.1 checked the rows V14 left
      }
    }
  }

  private static String jdbcUrl(StorageConfig storage) {
    return storage.postgres() ? storage.postgresJdbcUrl() : "jdbc:sqlite:" + storage.sqlitePath().toAbsolutePath();
  }
}
