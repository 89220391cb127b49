package dev.barge.batch;

import dev.barge.background.BackgroundLoop;
import dev.barge.store.BatchRetention;
import dev.barge.store.RequestQueries;
import dev.barge.store.RequestQueue;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the retention of batch results: once an ended batch is older than {@code batch.results_retention}
 * (and has been ended for a day at least, whatever its completion window), its per-request results
 * (partial results, error groups, message batch results) are archived, the batch keeping its counts per
 * final state; {@link #READERS_GRACE} later its request rows are deleted, in small steps. Without this the
 * request table would grow with every batch ever run. The batch itself stays; its files keep their own
 * expiry. A thread of its own: deleting a million rows must not hold up the batches' lifecycle.
 */
public final class ResultsArchiver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResultsArchiver.class);
  /** Results stay at least this long after their batch ended. */
  static final Duration AFTER_END = Duration.ofDays(1);
  /** Between archiving and deleting: a reader that saw the batch before it was archived finishes first. */
  static final Duration READERS_GRACE = Duration.ofMinutes(5);
  private static final long ROUND_EVERY_MS = 60_000;
  private static final int BATCHES_PER_ROUND = 100;
  /** Small deletes: on SQLite each holds the one write lock that results are waiting for. */
  private static final int ROWS_PER_DELETE = 2_000;

  private final BatchRetention batches;
  private final RequestQueue queue;
  private final RequestQueries queries;
  private final Duration retention;
  private final Clock clock;
  private final BackgroundLoop loop = new BackgroundLoop("barge-archiver", this::round);
  private long lastRound = Long.MIN_VALUE / 2;

  public ResultsArchiver(BatchRetention batches, RequestQueue queue, RequestQueries queries, Duration retention,
      Clock clock) {
    this.batches = batches;
    this.queue = queue;
    this.queries = queries;
    this.retention = retention;
    this.clock = clock;
  }

  public ResultsArchiver start() {
    loop.start();
    return this;
  }

  /** Rounds go by the engine's clock (tests move it); the thread looks every second. */
  private long round() {
    long now = clock.millis();
    if (now - lastRound >= ROUND_EVERY_MS) {
      lastRound = now;
      archiveDue(now);
      purgeDue(now);
    }
    return 1_000;
  }

  private void archiveDue(long now) {
    for (String id : batches.dueForArchive(now - retention.toMillis(), now - AFTER_END.toMillis(), BATCHES_PER_ROUND)) {
      try {
        // The counts go into the batch with the mark, so that it reports them once its rows are gone.
        if (batches.archive(id, queries.countsByState(id), now)) {
          log.info("batch {}: results archived, {} after its creation", id, retention);
        }
      } catch (RuntimeException e) {
        log.error("batch {}: archiving its results failed: {}", id, e.toString());
      }
    }
  }

  private void purgeDue(long now) {
    for (String id : batches.dueForPurge(now - READERS_GRACE.toMillis(), BATCHES_PER_ROUND)) {
      try {
        long deleted = 0;
        for (int n; loop.running() && (n = queue.deleteArchived(id, ROWS_PER_DELETE)) > 0; ) deleted += n;
        if (!loop.running()) return; // the next start goes on where this stopped
        batches.purged(id, clock.millis());
        log.info("batch {}: {} archived request rows deleted", id, deleted);
      } catch (RuntimeException e) {
        log.error("batch {}: deleting its archived results failed: {}", id, e.toString());
      }
    }
  }

  @Override
  public void close() {
    loop.close();
  }
}
