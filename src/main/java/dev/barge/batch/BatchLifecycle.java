package dev.barge.batch;

import dev.barge.dispatch.Wakeup;
import dev.barge.store.BatchRecord;
import dev.barge.store.BatchStatus;
import dev.barge.store.BatchStore;
import dev.barge.store.RequestState;
import dev.barge.store.RequestStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves every batch that has not ended along the status machine (spec §5): starts validation, and
 * finalizes, expires or completes cancellation when the time comes. Each step is a conditional
 * update, so running a step twice (after a crash, say) changes nothing the second time.
 */
final class BatchLifecycle implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BatchLifecycle.class);
  private static final long TICK_MS = 100;
  private static final long SWEEP_EVERY_MS = 60_000;
  static final String EXPIRED_MESSAGE = "This request could not be executed before the completion window expired.";
  static final String CANCELLED_MESSAGE = "This request was not executed because the batch was cancelled.";

  private final BatchStore batches;
  private final RequestStore requests;
  private final InputValidator validator;
  private final ResultFiles resultFiles;
  private final FileService files;
  private final Duration cancelGrace;
  private final Clock clock;
  private final Runnable onStarted;
  private final Set<String> validating = ConcurrentHashMap.newKeySet();
  private final ExecutorService validators = Executors.newVirtualThreadPerTaskExecutor();
  private final Wakeup wakeup = new Wakeup();
  private final Thread loop;
  private volatile boolean running = true;
  private long lastSweep;

  BatchLifecycle(BatchStore batches, RequestStore requests, InputValidator validator, ResultFiles resultFiles,
      FileService files, Duration cancelGrace, Clock clock, Runnable onStarted) {
    this.batches = batches;
    this.requests = requests;
    this.validator = validator;
    this.resultFiles = resultFiles;
    this.files = files;
    this.cancelGrace = cancelGrace;
    this.clock = clock;
    this.onStarted = onStarted;
    this.loop = Thread.ofPlatform().name("barge-lifecycle").daemon().start(this::run);
  }

  void wake() {
    wakeup.signal();
  }

  private void run() {
    while (running) {
      try {
        tick();
      } catch (RuntimeException | IOException e) {
        log.error("batch lifecycle step failed: {}", e.toString());
      }
      if (!wakeup.pause(TICK_MS)) return;
    }
  }

  private void tick() throws IOException {
    long now = clock.millis();
    requests.releaseExpiredLeases(now);
    for (BatchRecord b : batches.active()) {
      switch (b.status()) {
        case VALIDATING -> validateOrExpire(b, now);
        case IN_PROGRESS -> progress(b, now);
        case FINALIZING -> end(b, BatchStatus.FINALIZING, BatchStatus.COMPLETED);
        case CANCELLING -> cancel(b, now);
        default -> { }
      }
    }
    if (now - lastSweep > SWEEP_EVERY_MS) {
      lastSweep = now;
      int removed = files.deleteExpired();
      if (removed > 0) log.info("deleted {} expired files", removed);
    }
  }

  private void validateOrExpire(BatchRecord b, long now) {
    if (now >= b.expiresAt()) {
      if (batches.transition(b.id(), Set.of(BatchStatus.VALIDATING), BatchStatus.EXPIRED, now)) {
        log.info("batch {} expired while validating", b.id());
      }
      return;
    }
    if (!validating.add(b.id())) return;
    validators.submit(() -> {
      try {
        validator.validate(b);
        BatchRecord after = batches.find(b.id()).orElseThrow();
        log.info("batch {} validated: {} ({} requests)", b.id(), after.status().wireName(), after.total());
        onStarted.run();
      } catch (IOException | RuntimeException e) {
        log.error("validating batch {} failed: {}", b.id(), e.toString());
      } finally {
        validating.remove(b.id());
        wake();
      }
    });
  }

  private void progress(BatchRecord b, long now) throws IOException {
    if (b.allSettled()) {
      if (batches.transition(b.id(), Set.of(BatchStatus.IN_PROGRESS), BatchStatus.FINALIZING, now)) {
        end(batches.find(b.id()).orElseThrow(), BatchStatus.FINALIZING, BatchStatus.COMPLETED);
      }
    } else if (now >= b.expiresAt()) {
      int n = requests.settleUnfinished(b.id(), RequestState.EXPIRED, "batch_expired", EXPIRED_MESSAGE, true, now);
      log.info("batch {} reached its deadline with {} requests unfinished", b.id(), n);
      end(b, BatchStatus.IN_PROGRESS, BatchStatus.EXPIRED);
    }
  }

  private void cancel(BatchRecord b, long now) throws IOException {
    if (b.enteredAt(BatchStatus.IN_PROGRESS) == null) {
      // Cancelled while validating: nothing was queued or sent; no files.
      if (validating.contains(b.id())) return; // let the validator notice and stop first
      requests.deleteAll(b.id());
      if (batches.transition(b.id(), Set.of(BatchStatus.CANCELLING), BatchStatus.CANCELLED, now)) {
        log.info("batch {} cancelled before it started", b.id());
      }
      return;
    }
    boolean graceOver = now - b.enteredAt(BatchStatus.CANCELLING) >= cancelGrace.toMillis();
    requests.settleUnfinished(b.id(), RequestState.CANCELLED, "batch_cancelled", CANCELLED_MESSAGE, graceOver, now);
    if (requests.countInFlight(b.id()) == 0) end(b, BatchStatus.CANCELLING, BatchStatus.CANCELLED);
  }

  /** Writes the output and error files, then moves the batch to its end status together with them. */
  private void end(BatchRecord b, BatchStatus from, BatchStatus to) throws IOException {
    ResultFiles.Written written = resultFiles.write(b);
    BatchRecord fresh = batches.find(b.id()).orElseThrow();
    if (batches.finish(b.id(), from, to, written.output(), written.errors(), clock.millis())) {
      log.info("batch {} {}: {} succeeded, {} failed", b.id(), to.wireName(), fresh.completed(), fresh.failed());
    }
  }

  @Override
  public void close() {
    running = false;
    wake();
    try {
      loop.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    validators.shutdownNow();
  }
}
