package dev.barge.dispatch;

import dev.barge.background.Wakeup;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchStatus;
import dev.barge.batch.model.Canary;
import dev.barge.blob.BlobStore;
import dev.barge.config.TimeWindow;
import dev.barge.cost.PriceTable;
import dev.barge.cost.StopReason;
import dev.barge.cost.Tier;
import dev.barge.cost.TokenEstimate;
import dev.barge.cost.Usage;
import dev.barge.store.BatchStore;
import dev.barge.store.ClaimCursor;
import dev.barge.store.ClaimedRequest;
import dev.barge.store.FileRecord;
import dev.barge.store.FileStore;
import dev.barge.store.RequestQueries;
import dev.barge.store.RequestQueue;
import dev.barge.store.RequestResults;
import dev.barge.store.RequestUpdate;
import dev.barge.store.SpendStore;
import dev.barge.upstream.Backend;
import dev.barge.upstream.Backends;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.RequestBody;
import dev.barge.upstream.ResponseUsage;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends queued requests of in-progress batches to the backend serving their model, each call on its
 * own virtual thread, as much as the backend's {@link BackendGate} admits (concurrency, requests and
 * tokens per minute, pauses it asked for, circuit breaker). Requests are claimed with a lease, so the
 * requests of a worker that died go back to the queue. Free capacity of a backend is split between
 * the batches that use it by {@link FairShare}.
 */
public final class Dispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  private static final long IDLE_WAIT_MS = 50;
  private static final long BATCHES_FRESH_FOR_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final BatchStore batches;
  private final FileStore files;
  private final RequestQueue queue;
  private final BlobStore blobs;
  private final Backends backends;
  private final RetryPolicy retry;
  private final Clock clock;
  private final String nodeId;
  private final Duration lease;
  private final IntSupplier nodesAlive;
  private final PriceTable prices;
  private final SpendStore spend;
  private final BudgetGuard budgets;
  private final DispatchMetrics metrics;
  private final Map<Backend, BackendGate> gates = new HashMap<>();
  private final Map<Backend, FairShare> fairShares = new HashMap<>();
  private final Map<Backend, List<TimeWindow>> batchWindows = new HashMap<>();
  private final Map<String, String> inputBlobs = new ConcurrentHashMap<>();
  private final Map<String, ClaimCursor> claimCursors = new HashMap<>();
  private List<BatchRecord> inProgress = List.of();
  private long inProgressReadAt;
  private volatile boolean batchesChanged = true;
  private final Map<String, Set<Thread>> inFlight = new ConcurrentHashMap<>();
  private final Wakeup wakeup = new Wakeup();
  private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
  private final ResultRecorder recorder;
  private final Thread loop;
  private volatile boolean running = true;

  public Dispatcher(BatchStore batches, FileStore files, RequestQueue queue, RequestResults results,
      RequestQueries queries, BlobStore blobs, Backends backends, RetryPolicy retry, Clock clock, String nodeId,
      Duration lease, IntSupplier nodesAlive, PriceTable prices, SpendStore spend, Function<String, Long> dailyBudget,
      DispatchMetrics metrics, double maxSyncShare) {
    this.batches = batches;
    this.files = files;
    this.queue = queue;
    this.blobs = blobs;
    this.backends = backends;
    this.retry = retry;
    this.clock = clock;
    this.nodeId = nodeId;
    this.lease = lease;
    this.nodesAlive = nodesAlive;
    this.prices = prices;
    this.spend = spend;
    this.budgets = new BudgetGuard(dailyBudget, spend, queries, batches);
    this.metrics = metrics;
    for (Backend b : backends.all()) {
      gates.put(b, new BackendGate(b.name(), b.maxConcurrency(), maxSyncShare, b.config().limits(), clock.millis()));
      batchWindows.put(b, b.config().batchWindowList());
    }
    this.recorder = new ResultRecorder(results::record, Duration.ofMillis(100));
    this.loop = Thread.ofPlatform().name("barge-dispatcher").daemon().start(this::run);
  }

  /** There may be new work: a batch was created, started or changed. The next round reads the batches again. */
  public void wake() {
    batchesChanged = true;
    wakeup.signal();
  }

  private void run() {
    while (running) {
      try {
        if (dispatchOnce() == 0) idle();
      } catch (RuntimeException e) {
        log.error("dispatch round failed: {}", e.toString());
        idle();
      }
    }
  }

  private void idle() {
    if (!wakeup.pause(IDLE_WAIT_MS)) running = false;
  }

  /** One round: for each backend with free capacity, claim work from its batches. Returns calls started. */
  private int dispatchOnce() {
    Map<Backend, List<BatchRecord>> byBackend = new LinkedHashMap<>();
    Set<String> running = new HashSet<>();
    Instant now = clock.instant();
    List<BatchRecord> inProgress = inProgress();
    budgets.newRound(inProgress, now.toEpochMilli());
    for (BatchRecord b : inProgress) {
      running.add(b.id());
      if (b.canary().state() == Canary.State.FAILED) continue; // its lines are being ended
      if (!TimeWindow.anyContains(b.windows(), now)) continue; // waits for one of its windows
      if (!withinBudget(b, now.toEpochMilli())) continue;
      // Every backend serving the model takes work as its own limits allow: work spreads by free
      // capacity, and goes to the others while one is down (its breaker open), paused or outside
      // its batch windows.
      for (Backend backend : backends.serving(b.model())) {
        if (!TimeWindow.anyContains(batchWindows.get(backend), now)) continue;
        byBackend.computeIfAbsent(backend, k -> new ArrayList<>()).add(b);
      }
    }
    forgetEnded(running);
    int started = 0;
    for (var entry : byBackend.entrySet()) {
      started += dispatch(entry.getKey(), entry.getValue());
    }
    return started;
  }

  /**
   * The batches in progress, as read at most {@link #BATCHES_FRESH_FOR_NANOS} ago or since the last change
   * announced by {@link #wake()} on this node. A round runs every time a few calls finish (a thousand
   * times a second at full speed), and reading every batch each time cost more than the rest of the
   * round. A list a few milliseconds old is safe: claims check the batch's status in the database, and
   * the budget guard reads batches with a budget afresh every round. A budget set on another node on a
   * batch that had none is seen here up to 20 ms late: the calls started meanwhile are within what the
   * budget already allows to pass it (the calls in flight when it is reached).
   */
  private List<BatchRecord> inProgress() {
    long now = System.nanoTime(); // not the wall clock: a clock set back must not freeze the list
    if (batchesChanged || now - inProgressReadAt >= BATCHES_FRESH_FOR_NANOS) {
      batchesChanged = false;
      inProgressReadAt = now;
      inProgress = batches.active().stream()
          .filter(b -> b.status() == BatchStatus.IN_PROGRESS && b.model() != null).toList();
    }
    return inProgress;
  }

  /**
   * Whether the batch's budgets let it start calls now; records a stop when they hold it back for good,
   * and lifts a stop that no longer holds (a new day for a project budget).
   */
  private boolean withinBudget(BatchRecord b, long now) {
    boolean allowed = budgets.allowance(b) > 0;
    StopReason stoppedBy = budgets.stoppedBy(b);
    StopReason recorded = budgets.current(b).spend().stoppedReason();
    if (stoppedBy != null && stoppedBy != recorded) {
      batchesChanged = true;
      batches.stop(b.id(), stoppedBy, budgets.current(b).spend().maxCost(), now);
      log.info("batch {} stopped: the next request would pass its {}", b.id(),
          stoppedBy == StopReason.BATCH_BUDGET ? "budget" : "project's daily budget");
    } else if (stoppedBy == null && recorded != null && allowed) {
      batchesChanged = true;
      batches.resume(b.id());
      log.info("batch {} goes on: its budget allows more work again", b.id());
    }
    return allowed;
  }

  private int dispatch(Backend backend, List<BatchRecord> candidates) {
    BackendGate gate = gates.get(backend);
    long now = clock.millis();
    gate.shareAmong(nodesAlive.getAsInt(), now);
    int admissible = gate.admissible(now);
    if (!gate.worthClaiming(admissible, now)) return 0;
    FairShare fair = fairShares.computeIfAbsent(backend, k -> new FairShare());
    int started = 0;
    List<BatchRecord> hungry = new ArrayList<>();
    for (FairShare.Allotment share : fair.split(admissible, candidates)) {
      int n = claim(backend, gate, share.batch(), share.calls(), now);
      fair.used(share.batch(), n);
      started += n;
      if (n == share.calls()) hungry.add(share.batch());
    }
    // What batches with less work than their share left over goes to the others, nearest deadline first.
    hungry.sort(Comparator.comparingLong(BatchRecord::expiresAt));
    for (BatchRecord batch : hungry) {
      if (started >= admissible) break;
      int n = claim(backend, gate, batch, admissible - started, now);
      fair.used(batch, n);
      started += n;
    }
    return started;
  }

  private int claim(Backend backend, BackendGate gate, BatchRecord batch, int limit, long now) {
    limit = Math.min(limit, budgets.allowance(batch));
    if (limit <= 0) return 0;
    String blobKey = inputBlob(batch);
    Endpoint endpoint = Endpoint.ofPath(batch.endpoint()).orElseThrow();
    // While the canary runs, only its sample may be sent.
    List<Integer> onlyLines = batch.canary().running() ? batch.canary().lines() : List.of();
    List<ClaimedRequest> claimed = queue.claim(batch.id(), limit, now, nodeId, lease, onlyLines,
        claimCursors.computeIfAbsent(batch.id(), id -> new ClaimCursor()));
    if (claimed.isEmpty()) return 0;
    budgets.claimed(batch, claimed.size());
    long heldTokens = gate.started(claimed.size(), now);
    int submitted = 0;
    try {
      for (ClaimedRequest r : claimed) {
        calls.submit(() -> call(backend, gate, heldTokens, batch, endpoint, blobKey, r));
        submitted++;
      }
    } finally {
      // Calls that could not be submitted (shutting down) give their slots back; their leases run out.
      gate.notStarted(claimed.size() - submitted, heldTokens, now);
    }
    return claimed.size();
  }

  private String inputBlob(BatchRecord batch) {
    return inputBlobs.computeIfAbsent(batch.id(), id -> files.findIgnoringExpiry(batch.project(),
        batch.inputFileId()).map(FileRecord::blobKey).orElse(null));
  }

  /** Forgets the input files of batches that no longer run, so their handles close. */
  private void forgetEnded(Set<String> running) {
    inFlight.entrySet().removeIf(e -> e.getValue().isEmpty() && !running.contains(e.getKey()));
    claimCursors.keySet().retainAll(running);
    for (var it = inputBlobs.entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      if (!running.contains(entry.getKey())) {
        it.remove();
        blobs.release(entry.getValue());
      }
    }
  }

  /**
   * Sends one synchronous request to a backend serving {@code model}, ahead of any batch work: one with
   * a free slot, picked at random in proportion to the backends' {@code weight}, or else the first to
   * free one within {@code maxWait}. Empty when no backend serves the model or none had room in time.
   */
  public Optional<Outcome> sendNow(String project, Priority priority, Endpoint endpoint, String model, byte[] body,
      Duration maxWait) throws InterruptedException {
    List<Backend> serving = backends.serving(model);
    if (serving.isEmpty()) return Optional.empty();
    Optional<Backend> started = awaitSlot(serving, priority, clock.millis() + maxWait.toMillis());
    if (started.isEmpty()) return Optional.empty();
    Outcome outcome = callNow(started.get(), endpoint, body, priority);
    charge(project, priority, started.get(), model, outcome);
    return Optional.of(outcome);
  }

  /**
   * Starts a synchronous call on one of {@code serving} as soon as one has a slot, before {@code deadline}.
   * Meanwhile the caller counts as waiting there, which holds batch work back; once its call has started
   * it no longer does (a waiting count held through the call starved batch work beside steady
   * synchronous clients).
   */
  private Optional<Backend> awaitSlot(List<Backend> serving, Priority priority, long deadline)
      throws InterruptedException {
    for (Backend backend : serving) gates.get(backend).waiting(priority, +1);
    try {
      while (true) {
        for (Backend backend : byWeightedChance(serving)) {
          if (gates.get(backend).tryStart(priority, clock.millis())) return Optional.of(backend);
        }
        long left = deadline - clock.millis();
        if (left <= 0) return Optional.empty();
        // Woken when a call on the first backend ends; the 20 ms cap covers the others, and slots that
        // come back by a rate or the end of a pause.
        gates.get(serving.getFirst()).awaitEnd(Math.min(left, 20));
      }
    } finally {
      for (Backend backend : serving) gates.get(backend).waiting(priority, -1);
    }
  }

  /** The backends in a random order in which each comes first with a chance proportional to its weight. */
  private static List<Backend> byWeightedChance(List<Backend> backends) {
    if (backends.size() == 1) return backends;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    Map<Backend, Double> key = new HashMap<>();
    // Efraimidis–Spirakis: sorting by u^(1/w) descending draws without replacement by weight.
    for (Backend b : backends) key.put(b, Math.pow(random.nextDouble(), 1.0 / b.config().weight()));
    List<Backend> order = new ArrayList<>(backends);
    order.sort(Comparator.comparingDouble((Backend b) -> key.get(b)).reversed());
    return order;
  }

  private Outcome callNow(Backend backend, Endpoint endpoint, byte[] body, Priority priority) {
    BackendGate gate = gates.get(backend);
    boolean observed = false;
    try {
      long start = System.nanoTime();
      Outcome outcome = backend.sendNow(endpoint, body);
      metrics.called(backend.name(), endpoint.path(), priority.name().toLowerCase(Locale.ROOT), outcome,
          Duration.ofNanos(System.nanoTime() - start));
      gate.observe(outcome, null, Usage.ZERO, clock.millis());
      observed = true;
      return outcome;
    } finally {
      if (!observed) gate.endedUnobserved();
      gate.endedSync();
    }
  }

  /** A synchronous answer that was billed (a success) adds to its project's spend at its tier's price. */
  private void charge(String project, Priority priority, Backend backend, String model, Outcome outcome) {
    if (!(outcome instanceof Outcome.Success success)) return;
    Usage u = ResponseUsage.ofObject(success.body());
    if (u == null) return;
    Tier tier = priority == Priority.FLEX ? Tier.FLEX : Tier.STANDARD;
    long cost = prices.cost(model, u.inputTokens(), u.cachedTokens(), u.outputTokens(), tier);
    long listCost = prices.cost(model, u.inputTokens(), u.cachedTokens(), u.outputTokens(), Tier.STANDARD);
    metrics.used(backend.name(), u.inputTokens(), u.outputTokens(), tier.wireName(), cost);
    long day = SpendStore.dayOf(clock.millis());
    // Written beside the answer, not before it: the caller must not wait for the database.
    Thread.ofVirtual().name("barge-spend").start(() -> {
      try {
        spend.add(project, day, tier, 1, cost, listCost);
      } catch (RuntimeException e) {
        log.error("could not record the spend of a {} request of project {}: {}", tier.wireName(), project,
            e.toString());
      }
    });
  }

  /** How a backend stands now, for the dashboard. */
  public record BackendStatus(String name, String type, List<String> models, Integer requestsPerMinute,
      Integer tokensPerMinute, int maxConcurrency, int concurrencyLimit, int inFlight, String circuit,
      Map<String, Long> outcomes) {}

  public List<BackendStatus> backendStatuses() {
    long now = clock.millis();
    return backends.all().stream().map(b -> {
      BackendGate gate = gates.get(b);
      return new BackendStatus(b.name(), b.config().type().yamlName(), b.models(),
          b.config().limits().requestsPerMinute(), b.config().limits().tokensPerMinute(), b.maxConcurrency(),
          gate.concurrencyLimit(), gate.inFlight(), gate.circuit(now), metrics.outcomes(b.name()));
    }).toList();
  }

  /**
   * Gauges of the dispatcher for {@code /metrics}: synchronous requests waiting per priority, and per
   * backend its calls in flight and current concurrency limit.
   */
  public void registerGauges(MeterRegistry registry) {
    for (Priority p : Priority.values()) {
      Gauge.builder("queue.depth", gates, g -> g.values().stream().mapToInt(gate -> gate.waiting(p)).sum())
          .description("Synchronous requests waiting for a backend").tag("priority", p.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
    gates.forEach((backend, gate) -> {
      Gauge.builder("backend.in_flight", gate, BackendGate::inFlight).tag("backend", backend.name()).register(registry);
      Gauge.builder("backend.concurrency_limit", gate, BackendGate::concurrencyLimit).tag("backend", backend.name())
          .register(registry);
    });
  }

  /** Interrupts the calls in flight for a batch whose results are no longer wanted (cancelled, expired). */
  public void abort(String batchId) {
    Set<Thread> threads = inFlight.get(batchId);
    if (threads != null) threads.forEach(Thread::interrupt);
  }

  private void call(Backend backend, BackendGate gate, long heldTokens, BatchRecord batch, Endpoint endpoint,
      String blobKey, ClaimedRequest r) {
    Set<Thread> threads = inFlight.computeIfAbsent(batch.id(), id -> ConcurrentHashMap.newKeySet());
    threads.add(Thread.currentThread());
    boolean observed = false;
    try {
      byte[] body;
      try {
        body = body(blobKey, r);
      } catch (IOException | RuntimeException e) {
        log.error("batch {} line {} could not be read from its input file: {}", batch.id(), r.line(), e.toString());
        recorder.add(Settlements.unreadable(r, nodeId, e, clock.millis()));
        return;
      }
      TokenEstimate estimate = gate.countsTokens()
          ? gate.charge(body, endpoint.generatesText(), heldTokens, clock.millis()) : null;
      long start = System.nanoTime();
      Outcome outcome = backend.send(endpoint, body);
      RequestUpdate update = settle(batch, r, outcome, gate.healthy(clock.millis()));
      recorder.add(update); // first: the answer is what matters most if anything below fails
      metrics.called(backend.name(), endpoint.path(), "batch", outcome, Duration.ofNanos(System.nanoTime() - start));
      if (update instanceof RequestUpdate.Finished f) {
        metrics.used(backend.name(), f.usage().inputTokens(), f.usage().outputTokens(), Tier.BATCH.wireName(), f.cost());
      }
      gate.observe(outcome, estimate, update instanceof RequestUpdate.Finished f ? f.usage() : Usage.ZERO,
          clock.millis());
      observed = true;
    } finally {
      if (!observed) gate.endedUnobserved();
      threads.remove(Thread.currentThread());
      Thread.interrupted(); // an abort must not leak into the next task of this thread
      gate.ended();
      long now = clock.millis();
      if (gate.worthClaiming(gate.admissible(now), now)) wakeup.signal();
    }
  }

  private byte[] body(String blobKey, ClaimedRequest r) throws IOException {
    if (blobKey == null) throw new IOException("the input file is gone");
    return RequestBody.of(blobs.read(blobKey, r.offset(), r.length()));
  }

  private RequestUpdate settle(BatchRecord batch, ClaimedRequest r, Outcome outcome, boolean backendHealthy) {
    long now = clock.millis();
    Optional<Duration> delay = retry.nextDelay(r.attempts(), outcome, backendHealthy);
    if (delay.isPresent() && delay.get().toMillis() < batch.expiresAt() - now) {
      return new RequestUpdate.Requeued(r.batchId(), r.line(), nodeId, now + delay.get().toMillis());
    }
    RequestUpdate.Finished result = Settlements.finalOutcome(r, nodeId, outcome, now);
    Usage u = result.usage();
    return result.priced(prices.cost(batch.model(), u.inputTokens(), u.cachedTokens(), u.outputTokens(), Tier.BATCH),
        prices.cost(batch.model(), u.inputTokens(), u.cachedTokens(), u.outputTokens(), Tier.STANDARD));
  }

  /** Stops claiming, lets calls in flight finish for up to {@code grace}, and writes their results. */
  public void close(Duration grace) {
    running = false;
    wake();
    try {
      loop.join(5_000);
      calls.shutdown();
      if (!calls.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) calls.shutdownNow();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    recorder.close();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
