package dev.barge.batch;

import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchStatus;
import dev.barge.store.BatchStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the output and error files of batches that end, then moves each to its end status together with
 * them, on a small pool of its own: the lifecycle thread that starts, cancels and expires every batch never
 * waits on a disk, and one large or stuck finalize holds up no other. A finalize that fails (a full disk, say)
 * is tried again after a back-off of its own, 1 s doubling to 5 min, logged once per attempt.
 */
final class Finalizer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Finalizer.class);
  private static final int THREADS = 2;
  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  /** How often a batch's finalize has failed in a row, and when the next attempt is due. */
  private record Failures(int count, long retryAt) {}

  private final BatchStore batches;
  private final ResultFiles resultFiles;
  private final Clock clock;
  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS,
      Thread.ofPlatform().name("barge-finalize-", 1).daemon().factory());
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private final Map<String, Failures> failures = new ConcurrentHashMap<>();

  Finalizer(BatchStore batches, ResultFiles resultFiles, Clock clock) {
    this.batches = batches;
    this.resultFiles = resultFiles;
    this.clock = clock;
  }

  /** Whether the batch's files are being written, or its last attempt failed and the next is not due yet. */
  boolean busy(String batchId, long now) {
    Failures f = failures.get(batchId);
    return running.contains(batchId) || (f != null && now < f.retryAt());
  }

  /** Writes the batch's files and moves it {@code from → to} in the background, unless that is under way. */
  void end(BatchRecord b, BatchStatus from, BatchStatus to) {
    if (!running.add(b.id())) return;
    pool.execute(() -> {
      try {
        write(b, from, to);
        Failures before = failures.remove(b.id());
        if (before != null) log.info("batch {}: result files written after {} failed attempts", b.id(), before.count());
      } catch (IOException | RuntimeException e) {
        backOff(b.id(), e);
      } finally {
        running.remove(b.id());
      }
    });
  }

  private void write(BatchRecord b, BatchStatus from, BatchStatus to) throws IOException {
    ResultFiles.Written written = resultFiles.write(b);
    BatchRecord fresh = batches.find(b.id()).orElseThrow();
    if (batches.finish(b.id(), from, to, written.output(), written.errors(), clock.millis())) {
      log.info("batch {} {}: {} succeeded, {} failed", b.id(), to.wireName(), fresh.completed(), fresh.failed());
    } else {
      resultFiles.discard(written); // another change came first; these files were never visible
    }
  }

  private void backOff(String batchId, Exception e) {
    Failures before = failures.get(batchId);
    int count = before == null ? 1 : before.count() + 1;
    Duration wait = FIRST_BACKOFF.multipliedBy(1L << Math.min(count - 1, 20));
    if (wait.compareTo(MAX_BACKOFF) > 0) wait = MAX_BACKOFF;
    failures.put(batchId, new Failures(count, clock.millis() + wait.toMillis()));
    log.error("batch {}: writing its result files failed (attempt {}), next attempt in {}s: {}", batchId, count,
        wait.toSeconds(), e.toString());
  }

  /** Stops; a finalize cut off here leaves no visible file and runs again at the next start. */
  @Override
  public void close() {
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
