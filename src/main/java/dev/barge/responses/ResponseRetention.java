package dev.barge.responses;

import dev.barge.background.BackgroundLoop;
import dev.barge.store.ResponseStore;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes background responses that ended longer ago than the retention ({@code batch.results_retention},
 * as for batch results), a few thousand at a time, so the table holds what callers may still read.
 */
public final class ResponseRetention implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResponseRetention.class);
  private static final long EVERY_MS = Duration.ofMinutes(10).toMillis();
  private static final int STEP = 5_000;

  private final ResponseStore store;
  private final Duration keep;
  private final Clock clock;
  private final BackgroundLoop loop = new BackgroundLoop("barge-response-retention", this::round);

  public ResponseRetention(ResponseStore store, Duration keep, Clock clock) {
    this.store = store;
    this.keep = keep;
    this.clock = clock;
  }

  public ResponseRetention start() {
    loop.start();
    return this;
  }

  private long round() {
    try {
      int deleted;
      int total = 0;
      do {
        deleted = store.deleteEndedBefore(clock.millis() - keep.toMillis(), STEP);
        total += deleted;
      } while (deleted == STEP);
      if (total > 0) log.info("deleted {} background responses that ended more than {} ago", total, keep);
    } catch (RuntimeException e) {
      log.error("deleting old background responses failed: {}", e.toString());
    }
    return EVERY_MS;
  }

  @Override
  public void close() {
    loop.close();
  }
}
