package dev.barge.batch;

import dev.barge.background.BackgroundLoop;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchStatus;
import dev.barge.batch.model.Canary;
import dev.barge.batch.model.RequestState;
import dev.barge.cost.StopReason;
import dev.barge.dispatch.NodeHeartbeat;
import dev.barge.store.BatchStore;
import dev.barge.store.NodeStore;
import dev.barge.store.RequestQueue;
import dev.barge.store.RequestResults;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves every batch that has not ended along the status machine (spec §5): starts validation, and
 * finalizes, expires or completes cancellation when the time comes. Each step is a conditional
 * update, so running a step twice (after a crash, say) changes nothing the second time.
 */
public final class BatchLifecycle implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BatchLifecycle.class);
  private static final long TICK_MS = 100;
  private static final long SWEEP_EVERY_MS = 60_000;
  /**
   * Looking for leases of dead nodes scans the leased rows, which on PostgreSQL include the dead row
   * versions of every recent claim; a node is declared dead only after 10 s of silence anyway.
   */
  private static final long RECOVER_EVERY_MS = 2_000;
  private static final int VALIDATION_ATTEMPTS = 3;
  static final String EXPIRED_MESSAGE = "This request could not be executed before the completion window expired.";
  static final String CANCELLED_MESSAGE = "This request was not executed because the batch was cancelled.";
  static final String CANARY_MESSAGE = "This request was not sent: the batch's canary sample failed too often"
      + " (the batch's errors say how often).";
  static final String BUDGET_MESSAGE = "This request was not executed: the next request would have passed the %s.";

  private final BatchStore batches;
  private final RequestQueue queue;
  private final RequestResults results;
  private final InputValidator validator;
  private final ProjectPermits validationPermits;
  private final Finalizer finalizer;
  private final FileService files;
  private final IdempotencyKeys idempotencyKeys;
  private final Duration cancelGrace;
  private final Duration budgetHold;
  private final Clock clock;
  private final Runnable onStarted;
  private final Consumer<String> abortCalls;
  private final String nodeId;
  private final NodeHeartbeat heartbeat;
  private final Set<String> validating = ConcurrentHashMap.newKeySet();
  private final Map<String, Integer> validationFailures = new ConcurrentHashMap<>();
  private final ExecutorService validators = Executors.newVirtualThreadPerTaskExecutor();
  private final BackgroundLoop loop = new BackgroundLoop("barge-lifecycle", this::round);
  private long lastSweep;
  private long lastRecovery = Long.MIN_VALUE / 2;
  private Set<String> aliveAtLastRelease;

  /**
   * @param validationPermits how many of a project's batches are validated at once; the others wait their turn
   */
  public BatchLifecycle(BatchStore batches, RequestQueue queue, RequestResults results, InputValidator validator,
      ProjectPermits validationPermits, ResultFiles resultFiles, FileService files, IdempotencyKeys idempotencyKeys,
      Duration cancelGrace, Duration budgetHold, Clock clock, Runnable onStarted, Consumer<String> abortCalls,
      String nodeId, NodeHeartbeat heartbeat) {
    this.batches = batches;
    this.queue = queue;
    this.results = results;
    this.validator = validator;
    this.validationPermits = validationPermits;
    this.finalizer = new Finalizer(batches, resultFiles, clock);
    this.files = files;
    this.idempotencyKeys = idempotencyKeys;
    this.cancelGrace = cancelGrace;
    this.budgetHold = budgetHold;
    this.clock = clock;
    this.onStarted = onStarted;
    this.abortCalls = abortCalls;
    this.nodeId = nodeId;
    this.heartbeat = heartbeat;
  }

  public BatchLifecycle start() {
    loop.start();
    return this;
  }

  public void wake() {
    loop.wake();
  }

  private long round() {
    try {
      tick();
    } catch (RuntimeException e) {
      log.error("batch lifecycle step failed: {}", e.toString());
    }
    return TICK_MS;
  }

  private void tick() {
    long now = clock.millis();
    if (now - lastRecovery >= RECOVER_EVERY_MS) {
      lastRecovery = now;
      int orphaned = queue.releaseExpiredLeases();
      // A node's leases are orphaned only when it leaves the live set: looking at every leased row is
      // needed then (and once at start, for the nodes that stopped before), not every time.
      NodeStore.LiveNodes live = heartbeat.live();
      if (!live.ids().equals(aliveAtLastRelease)) {
        orphaned += queue.releaseLeasesOfDeadNodes(live.since()); // the cut-off that made this set
        aliveAtLastRelease = live.ids();
      }
      if (orphaned > 0) log.info("{} requests leased by stopped nodes went back to the queue", orphaned);
    }
    for (BatchRecord b : batches.active()) {
      // Its files are being written, or it waits out a failed attempt: nothing else is due for it now.
      if (finalizer.busy(b.id(), now)) continue;
      // One node at a time moves a batch along; the others take over only when it stops.
      if (!batches.takeWork(b.id(), nodeId, NodeHeartbeat.DEAD_AFTER)) continue;
      try {
        switch (b.status()) {
          case VALIDATING -> validateOrExpire(b, now);
          case IN_PROGRESS -> progress(b, now);
          case FINALIZING -> finalizer.end(b, BatchStatus.FINALIZING, BatchStatus.COMPLETED);
          case CANCELLING -> cancel(b, now);
          default -> { }
        }
      } catch (RuntimeException e) {
        // One batch's trouble must not hold up the others.
        log.error("batch {} could not move on from {}: {}", b.id(), b.status().wireName(), e.toString());
      }
    }
    if (now - lastSweep > SWEEP_EVERY_MS) {
      lastSweep = now;
      int removed = files.deleteExpired();
      if (removed > 0) log.info("deleted {} expired files", removed);
      int keys = idempotencyKeys.prune();
      if (keys > 0) log.info("deleted {} idempotency keys older than a day", keys);
    }
  }

  private void validateOrExpire(BatchRecord b, long now) {
    if (now >= b.expiresAt()) {
      if (batches.transition(b.id(), Set.of(BatchStatus.VALIDATING), BatchStatus.EXPIRED, now)) {
        log.info("batch {} expired while validating", b.id());
      }
      return;
    }
    if (validating.contains(b.id())) return;
    // Past its project's limit the batch stays validating and is looked at again next round: queued, never refused.
    ProjectPermits.Permit permit = validationPermits.tryAcquire(b.project()).orElse(null);
    if (permit == null) return;
    validating.add(b.id());
    validators.submit(() -> {
      try (permit) {
        validator.validate(b);
        validationFailures.remove(b.id());
        BatchRecord after = batches.find(b.id()).orElseThrow();
        log.info("batch {} validated: {} ({} requests)", b.id(), after.status().wireName(), after.total());
        onStarted.run();
      } catch (Exception | Error e) {
        giveUpAfterRepeatedFailures(b, e);
      } finally {
        validating.remove(b.id());
        wake();
      }
    });
  }

  /** A validation that keeps failing (unreadable file, out of memory) ends the batch instead of looping. */
  private void giveUpAfterRepeatedFailures(BatchRecord b, Throwable e) {
    int failures = validationFailures.merge(b.id(), 1, Integer::sum);
    log.error("validating batch {} failed (attempt {} of {}): {}", b.id(), failures, VALIDATION_ATTEMPTS,
        e.toString());
    if (failures >= VALIDATION_ATTEMPTS) {
      validationFailures.remove(b.id());
      validator.fail(b, List.of(new LineError("server_error", "Barge could not read the input file: " + e,
          null, null)));
    }
  }

  private void progress(BatchRecord b, long now) {
    if (b.canary().state() == Canary.State.FAILED) {
      endAfterFailedCanary(b, now);
    } else if (b.canary().running() && b.spend().stoppedReason() == null
        && b.completed() + b.failed() >= b.canary().lines().size()) {
      judgeCanary(b, now);
    } else if (b.allSettled()) {
      if (batches.transition(b.id(), Set.of(BatchStatus.IN_PROGRESS), BatchStatus.FINALIZING, now)) {
        finalizer.end(batches.find(b.id()).orElseThrow(), BatchStatus.FINALIZING, BatchStatus.COMPLETED);
      }
    } else if (now >= b.expiresAt()) {
      StopReason stoppedBy = b.spend().stoppedReason();
      RequestResults.Settled s = stoppedBy == null
          ? results.settleUnfinished(b.id(), BatchStatus.IN_PROGRESS, RequestState.EXPIRED, "batch_expired",
              EXPIRED_MESSAGE, true, now)
          : endForBudget(b, stoppedBy, now);
      if (s.unfinished() > 0) return; // the batch changed status meanwhile (a cancel came first)
      log.info("batch {} reached its deadline with {} requests unfinished", b.id(), s.ended());
      abortCalls.accept(b.id());
      finalizer.end(b, BatchStatus.IN_PROGRESS, BatchStatus.EXPIRED);
    } else if (b.spend().stoppedReason() == StopReason.BATCH_BUDGET
        && now - b.spend().stoppedAt() >= budgetHold.toMillis()) {
      // Nobody raised the budget in time: the rest of the batch ends unsent, and what ran is delivered.
      RequestResults.Settled s = endForBudget(b, StopReason.BATCH_BUDGET, now);
      if (s.unfinished() > 0) return; // a raise or a cancel came first, or calls are still in flight
      log.info("batch {} ends at its budget with {} requests unsent", b.id(), s.ended());
      if (batches.transition(b.id(), Set.of(BatchStatus.IN_PROGRESS), BatchStatus.FINALIZING, now)) {
        finalizer.end(batches.find(b.id()).orElseThrow(), BatchStatus.FINALIZING, BatchStatus.COMPLETED);
      }
    }
  }

  /**
   * Ends the unsent lines of a batch its budget stopped, unless the stop was lifted (a raise) since this
   * view of the batch was read.
   */
  private RequestResults.Settled endForBudget(BatchRecord b, StopReason stoppedBy, long now) {
    String budget = stoppedBy == StopReason.BATCH_BUDGET ? "batch's budget (max_cost_usd)" : "project's daily budget";
    return results.settleUnfinished(b.id(), BatchStatus.IN_PROGRESS, b.spend().stoppedAt(), RequestState.FAILED,
        "budget_exceeded", BUDGET_MESSAGE.formatted(budget), now >= b.expiresAt(), now);
  }

  /**
   * The canary's sample has finished: too many failures fail the batch before anything else is sent (the
   * sample's results are delivered, the other lines end unsent); otherwise the rest may go.
   */
  private void judgeCanary(BatchRecord b, long now) {
    int size = b.canary().lines().size();
    RequestResults.SampleOutcome sample = results.sampleOutcome(b.id(), b.canary().lines());
    if (sample.unfinished() > 0) return; // the counts ran ahead of the sample (lines ended another way)
    BigDecimal maxRate = b.canary().maxFailureRate(); // the batch's own, or the server's default when it started
    boolean passed = BigDecimal.valueOf(sample.failed()).compareTo(maxRate.multiply(BigDecimal.valueOf(size))) <= 0;
    if (passed) {
      batches.canaryVerdict(b.id(), Canary.State.PASSED, null);
      log.info("batch {} passed its canary: {} of {} sample requests failed", b.id(), sample.failed(), size);
      onStarted.run();
      return;
    }
    String why = sample.failed() + " of the " + size + " requests of the canary sample failed, more than the "
        + maxRate.multiply(BigDecimal.valueOf(100)).stripTrailingZeros().toPlainString() + "% allowed";
    batches.canaryVerdict(b.id(), Canary.State.FAILED, LineError.listJson(List.of(
        LineError.ofFile("canary_failed", "The batch stopped after its canary: " + why
            + ". The sample's results are in the output and error files; no other line was sent."))));
    log.info("batch {} failed its canary: {}", b.id(), why);
    endAfterFailedCanary(b, now);
  }

  /** The lines a failed canary kept back end unsent, and the batch fails with the sample's results. */
  private void endAfterFailedCanary(BatchRecord b, long now) {
    RequestResults.Settled s = results.settleUnfinished(b.id(), BatchStatus.IN_PROGRESS, RequestState.FAILED,
        "canary_failed", CANARY_MESSAGE, false, now);
    if (s.unfinished() == 0) finalizer.end(b, BatchStatus.IN_PROGRESS, BatchStatus.FAILED);
  }

  private void cancel(BatchRecord b, long now) {
    if (b.enteredAt(BatchStatus.IN_PROGRESS) == null) {
      // Cancelled while validating: nothing was queued or sent; no files.
      if (validating.contains(b.id())) return; // let the validator notice and stop first
      queue.deleteUnstarted(b.id());
      if (batches.transition(b.id(), Set.of(BatchStatus.CANCELLING), BatchStatus.CANCELLED, now)) {
        log.info("batch {} cancelled before it started", b.id());
      }
      return;
    }
    boolean graceOver = now - b.enteredAt(BatchStatus.CANCELLING) >= cancelGrace.toMillis();
    RequestResults.Settled s = results.settleUnfinished(b.id(), BatchStatus.CANCELLING, RequestState.CANCELLED,
        "batch_cancelled", CANCELLED_MESSAGE, graceOver, now);
    if (graceOver) abortCalls.accept(b.id()); // their results would be dropped anyway; free the backend
    if (s.unfinished() == 0) finalizer.end(b, BatchStatus.CANCELLING, BatchStatus.CANCELLED);
  }

  @Override
  public void close() {
    loop.close();
    validators.shutdownNow();
    finalizer.close();
  }
}
