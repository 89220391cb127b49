package dev.barge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.barge.e2e.TestStorage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API load has a pool of its own (on SQLite, and on PostgreSQL in the second pass). */
class DatabasePoolsTest {
  /** More readers than the engine's pool has connections (8 on SQLite, 16 on PostgreSQL), as in an overload. */
  private static final int READERS = 20;

  @TempDir Path dir;
  private Database db;

  @BeforeEach
  void open() {
    db = Database.open(TestStorage.under(dir));
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void readersSaturatingTheApiPoolLeaveTheEngineItsConnectionsAndTheSurplusIsToldToRetry() throws Exception {
    Database api = db.forApi();
    CountDownLatch holding = new CountDownLatch(Database.API_POOL_SIZE);
    CountDownLatch release = new CountDownLatch(1);
    List<Future<Object>> readers = new ArrayList<>();
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    try {
      for (int i = 0; i < READERS; i++) {
        readers.add(threads.submit(() -> api.read(c -> {
          holding.countDown();
          await(release); // a slow read: a large page, a slow disk
          return null;
        })));
      }
      holding.await();

      // The engine still writes and reads at once on its own pool.
      CreationLog engine = new CreationLog(db);
      long now = System.currentTimeMillis();
      engine.recordDryRun("p", now, now - Duration.ofHours(1).toMillis());
      assertThat(engine.creationsSince("p", now - 1)).containsExactly(now);

      // Readers that found no API connection in time are told to try again: a 503 to an API caller, not a 500.
      int surplus = READERS - Database.API_POOL_SIZE;
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> readers.stream().filter(Future::isDone).count() == surplus);
      assertThat(readers).filteredOn(Future::isDone).allSatisfy(r -> assertThat(r.exceptionNow())
          .isInstanceOfSatisfying(DatabaseBusyException.class, e -> assertThat(e.retryAfter()).isPositive()));
    } finally {
      release.countDown();
      threads.close();
    }
    assertThat(readers).filteredOn(r -> r.state() == Future.State.SUCCESS).hasSize(Database.API_POOL_SIZE);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
