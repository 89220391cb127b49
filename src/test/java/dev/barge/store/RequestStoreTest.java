package dev.barge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchRecords;
import dev.barge.batch.model.BatchStatus;
import dev.barge.batch.model.RequestState;
import dev.barge.cost.Usage;
import dev.barge.e2e.TestStorage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The request rows' guarantees that exactly-once output rests on (on SQLite, and on PostgreSQL in the second pass). */
class RequestStoreTest {
  private static final String BATCH = "batch_t";
  private static final Duration LEASE = Duration.ofMinutes(1);
  /** A lease that has already run out. */
  private static final Duration RUN_OUT = Duration.ofMillis(-1);

  @TempDir Path dir;
  private Database db;
  private BatchStore batches;
  private BatchRetention retention;
  private RequestQueue queue;
  private RequestResults results;
  private RequestQueries queries;
  private long now;

  @BeforeEach
  void open() {
    db = Database.open(TestStorage.under(dir));
    batches = new BatchStore(db);
    retention = new BatchRetention(db);
    queue = new RequestQueue(db);
    results = new RequestResults(db);
    queries = new RequestQueries(db);
    now = System.currentTimeMillis();
    batches.insert(BatchRecords.builder().id(BATCH).createdAt(now).build());
    queue.insert(BATCH, List.of(new NewRequest(1, "a", 0, 1), new NewRequest(2, "b", 1, 1)));
    assertThat(batches.startProcessing(BATCH, "m", 2, 0, 0, 0, 0, List.of(), null, null, now))
        .isEqualTo(BatchStore.StartResult.STARTED);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void settlingACancelReportsWorkThatCameBackToTheQueue() {
    queue.claim(BATCH, 1, now, "node", LEASE, List.of(), new ClaimCursor()); // line 1 in flight
    batches.transition(BATCH, Set.of(BatchStatus.IN_PROGRESS), BatchStatus.CANCELLING, now);

    RequestResults.Settled first = results.settleUnfinished(BATCH, BatchStatus.CANCELLING, RequestState.CANCELLED,
        "batch_cancelled", "m", false, now);
    assertThat(first).isEqualTo(new RequestResults.Settled(1, 1));
    // The call in flight failed with a 5xx and goes back to the queue to be retried.
    results.record(List.of(new RequestUpdate.Requeued(BATCH, 1, "node", now + 1000)));

    RequestResults.Settled second = results.settleUnfinished(BATCH, BatchStatus.CANCELLING, RequestState.CANCELLED,
        "batch_cancelled", "m", false, now);
    assertThat(second).isEqualTo(new RequestResults.Settled(1, 0));
    assertThat(batches.find(BATCH).orElseThrow().failed()).isEqualTo(2);
  }

  @Test
  void settleChangesNothingOnceTheBatchLeftTheStatusItWasMeantFor() {
    batches.transition(BATCH, Set.of(BatchStatus.IN_PROGRESS), BatchStatus.CANCELLING, now);
    RequestResults.Settled s = results.settleUnfinished(BATCH, BatchStatus.IN_PROGRESS, RequestState.EXPIRED,
        "batch_expired", "m", true, now);
    assertThat(s).isEqualTo(new RequestResults.Settled(0, 2));
  }

  @Test
  void aResultIsRecordedOnceEvenIfTheCallWasMadeTwice() {
    queue.claim(BATCH, 2, now, "node-1", RUN_OUT, List.of(), new ClaimCursor()); // a lease that has already run out
    assertThat(queue.releaseExpiredLeases()).isEqualTo(2);
    queue.claim(BATCH, 2, now, "node-2", LEASE, List.of(), new ClaimCursor());
    var late = new RequestUpdate.Finished(BATCH, 1, "node-1", true, 200, "r1", "{}", null, null, Usage.ZERO, now, 0, 0);
    var current = new RequestUpdate.Finished(BATCH, 1, "node-2", true, 200, "r2", "{}", null, null, Usage.ZERO, now, 0, 0);

    assertThat(results.record(List.of(late))).isZero();
    assertThat(results.record(List.of(current, current))).isEqualTo(1);
    assertThat(batches.find(BATCH).orElseThrow().completed()).isEqualTo(1);
  }

  @Test
  void aRowBackBehindTheCursorIsClaimedWhenTheCursorStartsOver() {
    ClaimCursor cursor = new ClaimCursor();
    assertThat(queue.claim(BATCH, 1, now, "n", LEASE, List.of(), cursor)).extracting(ClaimedRequest::line)
        .containsExactly(1);
    // Line 1 back as never tried, behind the cursor: what a claim lost in a database crash leaves.
    db.write(c -> c.createStatement().executeUpdate(
        "UPDATE requests SET state = 'queued', attempts = 0, lease_owner = NULL, lease_until = NULL WHERE line = 1"));

    assertThat(queue.claim(BATCH, 5, now, "n", LEASE, List.of(), cursor)).extracting(ClaimedRequest::line)
        .containsExactly(2);
    assertThat(queue.claim(BATCH, 5, now + 1, "n", LEASE, List.of(), cursor)).isEmpty();
    assertThat(queue.claim(BATCH, 5, now + ClaimCursor.RESTART_EVERY_MS, "n", LEASE, List.of(), cursor))
        .extracting(ClaimedRequest::line).containsExactly(1);
  }

  @Test
  void aLeaseGivenBackIsClaimedAgainAsItWas() {
    ClaimCursor cursor = new ClaimCursor();
    queue.claim(BATCH, 1, now, "node-1", RUN_OUT, List.of(), cursor); // line 1, a lease that has already run out
    assertThat(queue.releaseExpiredLeases()).isEqualTo(1);

    assertThat(queue.claim(BATCH, 5, now + ClaimCursor.RESTART_EVERY_MS, "node-1", LEASE, List.of(), cursor))
        .extracting(ClaimedRequest::line, ClaimedRequest::attempts).containsExactlyInAnyOrder(tuple(1, 2), tuple(2, 1));
  }

  @Test
  void retriesAreClaimedOnceDueInOrderOfDueTimeBeforeTheNeverTriedLines() {
    queue.insert(BATCH, List.of(new NewRequest(3, "c", 2, 1), new NewRequest(4, "d", 3, 1)));
    ClaimCursor cursor = new ClaimCursor();
    queue.claim(BATCH, 2, now, "n", LEASE, List.of(), cursor); // lines 1 and 2
    results.record(List.of(new RequestUpdate.Requeued(BATCH, 2, "n", now + 100),
        new RequestUpdate.Requeued(BATCH, 1, "n", now + 200)));

    assertThat(queue.claim(BATCH, 1, now + 50, "n", LEASE, List.of(), cursor))
        .extracting(ClaimedRequest::line).containsExactly(3); // nothing due yet
    assertThat(queue.claim(BATCH, 1, now + 150, "n", LEASE, List.of(), cursor))
        .extracting(ClaimedRequest::line).containsExactly(2); // due, so ahead of line 4
    assertThat(queue.claim(BATCH, 5, now + 250, "n", LEASE, List.of(), cursor))
        .extracting(ClaimedRequest::line).containsExactly(1, 4);
  }

  @Test
  void anEndedBatchIsArchivedOnceWithItsCountsAndItsRowsDeletedAfterwards() {
    ClaimCursor cursor = new ClaimCursor();
    queue.claim(BATCH, 2, now, "n", LEASE, List.of(), cursor);
    for (int line : List.of(1, 2)) {
      results.record(List.of(new RequestUpdate.Finished(BATCH, line, "n", true, 200, "r", "{}", null, null,
          Usage.ZERO, now, 0, 0)));
    }
    assertThat(retention.dueForArchive(now + 1, now + 1, 10)).isEmpty(); // still running
    batches.transition(BATCH, Set.of(BatchStatus.IN_PROGRESS), BatchStatus.FINALIZING, now);
    batches.transition(BATCH, Set.of(BatchStatus.FINALIZING), BatchStatus.COMPLETED, now);
    assertThat(retention.dueForArchive(now + 1, now - 1, 10)).isEmpty(); // not ended long enough
    assertThat(retention.dueForArchive(now + 1, now + 1, 10)).containsExactly(BATCH);

    assertThat(retention.archive(BATCH, queries.countsByState(BATCH), now)).isTrue();
    assertThat(retention.archive(BATCH, Map.of(), now + 5)).isFalse(); // the first record stays
    assertThat(retention.dueForArchive(now + 1, now + 1, 10)).isEmpty();
    assertThat(batches.find(BATCH).orElseThrow().archive())
        .isEqualTo(new BatchRecord.Archive(now, Map.of(RequestState.SUCCEEDED, 2)));

    assertThat(retention.dueForPurge(now, 10)).isEmpty(); // readers' grace
    assertThat(retention.dueForPurge(now + 1, 10)).containsExactly(BATCH);
    assertThat(queue.deleteArchived(BATCH, 1)).isEqualTo(1);
    assertThat(queue.deleteArchived(BATCH, 5)).isEqualTo(1);
    assertThat(queue.deleteArchived(BATCH, 5)).isZero();
    retention.purged(BATCH, now);
    assertThat(retention.dueForPurge(now + 1, 10)).isEmpty();
  }

  @Test
  void theDatabaseRefusesALeaseWithoutOwnerAndAnOwnerWithoutLease() {
    String refused = "requests_lease_owner_while_leased";
    assertThatThrownBy(() -> db.write(c -> c.createStatement().executeUpdate(
        "UPDATE requests SET state = 'leased' WHERE line = 1"))).hasMessageContaining(refused);
    assertThatThrownBy(() -> db.write(c -> c.createStatement().executeUpdate(
        "UPDATE requests SET lease_owner = 'n' WHERE line = 1"))).hasMessageContaining(refused);
    assertThatThrownBy(() -> db.write(c -> c.createStatement().executeUpdate("INSERT INTO requests"
        + " (batch_id, line, custom_id, byte_offset, byte_length, state) VALUES ('" + BATCH + "', 3, 'c', 2, 1, 'leased')")))
        .hasMessageContaining(refused);

    queue.claim(BATCH, 1, now, "n", LEASE, List.of(), new ClaimCursor()); // line 1: leased, with its owner
    assertThatThrownBy(() -> db.write(c -> c.createStatement().executeUpdate(
        "UPDATE requests SET lease_owner = NULL WHERE line = 1"))).hasMessageContaining(refused);
    assertThatThrownBy(() -> db.write(c -> c.createStatement().executeUpdate(
        "UPDATE requests SET state = 'succeeded' WHERE line = 1"))).hasMessageContaining(refused);
  }

  @Test
  void claimsTakeDueRowsInLineOrderOnlyWhileTheBatchRuns() {
    assertThat(queue.claim(BATCH, 1, now, "n", Duration.ofSeconds(1), List.of(), new ClaimCursor())).extracting(ClaimedRequest::line).containsExactly(1);
    batches.transition(BATCH, Set.of(BatchStatus.IN_PROGRESS), BatchStatus.CANCELLING, now);
    assertThat(queue.claim(BATCH, 5, now, "n", Duration.ofSeconds(1), List.of(), new ClaimCursor())).isEmpty();
  }
}
