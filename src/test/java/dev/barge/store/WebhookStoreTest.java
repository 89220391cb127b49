package dev.barge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.barge.batch.model.BatchRecords;
import dev.barge.batch.model.BatchStatus;
import dev.barge.e2e.TestStorage;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook outbox: an ended batch's event, its delivery (to the endpoints that cover its project), and its
 * removal once it is old (both databases).
 */
class WebhookStoreTest {
  private static final String BATCH = "batch_w";
  private static final String ENDPOINT = "http://127.0.0.1:9/hook";

  @TempDir Path dir;
  private Database db;
  private BatchStore batches;
  private WebhookStore webhooks;
  private long now;

  @BeforeEach
  void open() {
    db = Database.open(TestStorage.under(dir));
    batches = new BatchStore(db);
    webhooks = new WebhookStore(db);
    now = System.currentTimeMillis();
    batches.insert(BatchRecords.builder().id(BATCH).createdAt(now).build());
    batches.transition(BATCH, Set.of(BatchStatus.VALIDATING), BatchStatus.CANCELLING, now);
    batches.transition(BATCH, Set.of(BatchStatus.CANCELLING), BatchStatus.CANCELLED, now);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void eventsOlderThanTheCutOffGoWithTheirDeliveriesAndNewerOnesStay() {
    assertThat(webhooks.fanOut(ENDPOINT, List.of("batch.cancelled"), null, 0)).isEqualTo(1);
    assertThat(webhooks.prune(now)).isZero(); // created at now: not before it
    assertThat(webhooks.due(List.of(ENDPOINT), now, 10)).extracting(WebhookStore.Due::subjectId).containsExactly(BATCH);

    assertThat(webhooks.prune(now + 1)).isEqualTo(1);
    assertThat(webhooks.due(List.of(ENDPOINT), now, 10)).isEmpty();
    assertThat(webhooks.fanOut(ENDPOINT, List.of("batch.cancelled"), null, 0)).isZero(); // the event is gone too
  }

  @Test
  void anEndpointLimitedToProjectsGetsDeliveriesOfTheirBatchesOnly() {
    assertThat(webhooks.fanOut(ENDPOINT, List.of("batch.cancelled"), List.of("other"), 0)).isZero();
    assertThat(webhooks.due(List.of(ENDPOINT), now, 10)).isEmpty();
    assertThat(webhooks.fanOut(ENDPOINT, List.of("batch.cancelled"), List.of("other", "p"), 0)).isEqualTo(1);
    assertThat(webhooks.due(List.of(ENDPOINT), now, 10)).extracting(WebhookStore.Due::project).containsExactly("p");
  }
}
