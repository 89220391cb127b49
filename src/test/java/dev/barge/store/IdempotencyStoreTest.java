package dev.barge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchRecords;
import dev.barge.e2e.TestStorage;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Idempotency keys: claimed with the object they create, one object per key for a day, then pruned (both databases). */
class IdempotencyStoreTest {
  private static final IdempotencyKey KEY = new IdempotencyKey("k", "POST /v1/batches", "f1");
  private static final long DAY = IdempotencyStore.KEEP.toMillis();

  @TempDir Path dir;
  private Database db;
  private BatchStore batches;
  private IdempotencyStore keys;
  private final long now = 1_800_000_000_000L;

  @BeforeEach
  void open() {
    db = Database.open(TestStorage.under(dir));
    batches = new BatchStore(db);
    keys = new IdempotencyStore(db);
  }

  @AfterEach
  void close() {
    db.close();
  }

  private static BatchRecord batch(String id, String project, long createdAt) {
    return BatchRecords.builder().id(id).project(project).createdAt(createdAt).expiresAt(createdAt + DAY).build();
  }

  @Test
  void aTakenKeyRollsBackTheSecondCreateAndNamesTheFirstObject() {
    batches.insert(batch("batch_1", "p", now), KEY);
    assertThatThrownBy(() -> batches.insert(batch("batch_2", "p", now + 1), new IdempotencyKey("k", "POST /v1/batches",
        "f2"))).isInstanceOfSatisfying(IdempotencyStore.KeyTaken.class, e ->
            assertThat(e.earlier()).isEqualTo(new IdempotencyStore.Use("POST /v1/batches", "f1", "batch_1")));
    assertThat(batches.find("batch_2")).isEmpty();
    assertThat(keys.find("p", "k", now + 1)).contains(new IdempotencyStore.Use("POST /v1/batches", "f1", "batch_1"));
    batches.insert(batch("batch_3", "q", now), KEY); // another project's key
  }

  @Test
  void aKeyIsFreeAfterADayAndPrunedThen() {
    batches.insert(batch("batch_1", "p", now), KEY);
    assertThat(keys.find("p", "k", now + DAY)).isEmpty();
    assertThat(keys.prune(now + DAY - 1)).isZero();
    batches.insert(batch("batch_2", "p", now + DAY), KEY); // the old claim no longer stands
    assertThat(keys.find("p", "k", now + DAY)).map(IdempotencyStore.Use::objectId).contains("batch_2");
    assertThat(keys.prune(now + 2 * DAY)).isEqualTo(1);
    assertThat(keys.find("p", "k", now + DAY)).isEmpty();
  }
}
