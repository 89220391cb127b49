package dev.barge.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.barge.config.StorageConfig;
import dev.barge.store.Database;
import dev.barge.store.NewRequest;
import dev.barge.store.RequestQueue;
import dev.barge.store.StoreException;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RowInserterTest {
  @TempDir Path dir;
  private Database db;
  private RequestQueue requests;

  @BeforeEach
  void open() {
    db = Database.open(new StorageConfig("sqlite:" + dir.resolve("barge.db"), dir.resolve("blobs").toString()));
    requests = new RequestQueue(db);
  }

  @AfterEach
  void close() {
    db.close();
  }

  private List<Integer> lines(String batchId) {
    return db.read(c -> {
      List<Integer> out = new ArrayList<>();
      try (var ps = c.prepareStatement("SELECT line FROM requests WHERE batch_id = ? ORDER BY line")) {
        ps.setString(1, batchId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) out.add(rs.getInt(1));
        }
      }
      return out;
    });
  }

  private static NewRequest row(int line) {
    return new NewRequest(line, "id-" + line, line * 100L, 99);
  }

  @Test
  void everyRowIsInOnceFinishReturns() throws Exception {
    try (RowInserter inserter = new RowInserter(requests, "batch_a", 7, 1 << 20)) {
      for (int line = 1; line <= 100; line++) inserter.add(row(line));
      inserter.finish();
    }
    assertThat(lines("batch_a")).hasSize(100).startsWith(1, 2, 3).endsWith(100);
  }

  @Test
  void longCustomIdsEndAGroupEarly() throws Exception {
    try (RowInserter inserter = new RowInserter(requests, "batch_b", 1000, 50)) {
      for (int line = 1; line <= 20; line++) inserter.add(new NewRequest(line, "x".repeat(30) + line, 0, 1));
      inserter.finish();
    }
    assertThat(lines("batch_b")).hasSize(20);
  }

  @Test
  void aFailedInsertReachesTheValidator() throws Exception {
    try (RowInserter inserter = new RowInserter(requests, "batch_c", 2, 1 << 20)) {
      inserter.add(row(1));
      inserter.add(row(1)); // the same line twice: the primary key refuses the group
      assertThatThrownBy(() -> {
        inserter.add(row(2));
        inserter.add(row(3));
        inserter.finish();
      }).isInstanceOf(StoreException.class);
    }
    assertThat(lines("batch_c")).doesNotContain(1);
  }

  @Test
  void closeWaitsForTheGroupStillBeingWritten() throws Exception {
    try (RowInserter inserter = new RowInserter(requests, "batch_d", 5000, 1 << 20)) {
      for (int line = 1; line <= 5000; line++) inserter.add(row(line)); // the 5000th starts the write
    }
    assertThat(lines("batch_d")).hasSize(5000); // close returned only after it
  }
}
