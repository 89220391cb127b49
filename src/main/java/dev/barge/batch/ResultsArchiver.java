package dev.barge.batch;

import dev.barge.store.BatchStore;
import dev.barge.store.RequestStore;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the retention of batch results: once an ended batch is older than {@code batch.results_retention},
 * its per-request results (partial results, error groups, message batch results) are deleted and the
 * batch records when, keeping its counts per final state. Without this the request table would grow with
 * every batch ever run. The batch itself stays; its files keep their own expiry.
 */
final class ResultsArchiver {
  private static final Logger log = LoggerFactory.getLogger(ResultsArchiver.class);
  private static final int BATCHES_PER_SWEEP = 100;
  private static final int ROWS_PER_DELETE = 10_000;

  private final BatchStore batches;
  private final RequestStore requests;
  private final Duration retention;

  ResultsArchiver(BatchStore batches, RequestStore requests, Duration retention) {
    this.batches = batches;
    this.requests = requests;
    this.retention = retention;
  }

  /** Archives the results of the batches whose retention has ended by {@code now}. */
  void archiveDue(long now) {
    for (String id : batches.dueForArchive(now - retention.toMillis(), BATCHES_PER_SWEEP)) {
      // The counts first, in the batch, so that it reports them once its rows are gone; an archive that
      // a stop interrupted keeps its first counts and only goes on deleting.
      batches.archive(id, requests.countsByState(id), now);
      long deleted = 0;
      for (int n; (n = requests.deleteArchived(id, ROWS_PER_DELETE)) > 0; ) deleted += n;
      log.info("batch {}: results archived after {} ({} request rows deleted)", id, retention, deleted);
    }
  }
}
