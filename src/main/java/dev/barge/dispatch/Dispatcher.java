package dev.barge.dispatch;

import dev.barge.background.BackgroundLoop;
import dev.barge.background.LogThrottle;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchStatus;
import dev.barge.batch.model.Canary;
import dev.barge.blob.BlobStore;
import dev.barge.config.TimeWindow;
import dev.barge.cost.PriceTable;
import dev.barge.store.BatchStore;
import dev.barge.store.ClaimCursor;
import dev.barge.store.ClaimedRequest;
import dev.barge.store.FileRecord;
import dev.barge.store.FileStore;
import dev.barge.store.NodeStore;
import dev.barge.store.RequestQueries;
import dev.barge.store.RequestQueue;
import dev.barge.store.RequestResults;
import dev.barge.store.RequestUpdate;
import dev.barge.store.ResponseStore;
import dev.barge.store.ShareStore;
import dev.barge.store.SpendStore;
import dev.barge.upstream.Backend;
import dev.barge.upstream.Backends;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.StreamListener;
import dev.barge.upstream.StreamedCall;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends queued requests of in-progress batches to the backend serving their model, each call on its
 * own virtual thread ({@link BatchCall}), as much as the backend's {@link BackendGate} admits (concurrency,
 * requests and tokens per minute, pauses it asked for, circuit breaker). Requests are claimed with a lease,
 * so the requests of a worker that died go back to the queue. Free capacity of a backend is split between
 * the batches that use it by {@link FairShare}. Synchronous requests go ahead of batch work ({@link SyncCalls}).
 *
 * <p>Claims run in rounds on one loop thread, from {@link #start()} to {@link #close()}.
 */
public final class Dispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  private static final long IDLE_WAIT_MS = 50;
  private static final long BATCHES_FRESH_FOR_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /** The stores the dispatcher reads work from and writes results to. */
  public record Stores(BatchStore batches, FileStore files, RequestQueue queue, RequestResults results,
      RequestQueries queries, SpendStore spend, BlobStore blobs, ResponseStore responses, ShareStore shares) {
    /** The blob key of a batch's input file, whose lines are read by byte range; null when it is gone. */
    String inputBlob(BatchRecord batch) {
      return files.findIgnoringExpiry(batch.project(), batch.inputFileId()).map(FileRecord::blobKey).orElse(null);
    }
  }

  /**
   * How the dispatcher works: this node's id, the lease of a claimed request, retries, prices, each
   * project's daily budget in picodollars (null for none), and the most of a backend's concurrency
   * limit synchronous calls may hold ({@code server.max_sync_share}).
   */
  public record Settings(String nodeId, Duration lease, RetryPolicy retry, PriceTable prices,
      Function<String, Long> dailyBudget, double maxSyncShare) {}

  private final Stores stores;
  private final Backends backends;
  private final Settings settings;
  private final Supplier<NodeStore.LiveNodes> liveNodes;
  private final Clock clock;
  private final BudgetGuard budgets;
  private final Map<Backend, BackendGate> gates;
  private final PathChoice paths;
  private final Map<Backend, FairShare> fairShares = new HashMap<>();
  private final Map<Backend, List<TimeWindow>> batchWindows = new HashMap<>();
  private final Map<String, String> inputBlobs = new ConcurrentHashMap<>();
  private final Map<String, ClaimCursor> claimCursors = new HashMap<>();
  private List<BatchRecord> inProgress = List.of();
  private long inProgressReadAt;
  private volatile boolean batchesChanged = true;
  private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
  private final ResultRecorder<RequestUpdate> recorder;
  private final BatchCall batchCall;
  private final SyncCalls syncCalls;
  private final BackgroundCalls backgroundCalls;
  private final DispatchGauges gauges;
  private final ClusterShares shares;
  private final BackgroundLoop loop = new BackgroundLoop("barge-dispatcher", this::round);
  private final LogThrottle roundFailureLog = new LogThrottle(); // a failing database fails 20 rounds a second

  /**
   * @param liveNodes the nodes sharing the database now: the background responses leased by a node that
   *     left go back to the queue
   * @param responsesChanged told the ids of background responses that started or ended here
   */
  public Dispatcher(Stores stores, Backends backends, Settings settings, Supplier<NodeStore.LiveNodes> liveNodes,
      DispatchMetrics metrics, Clock clock, Consumer<List<String>> responsesChanged) {
    this.stores = stores;
    this.backends = backends;
    this.settings = settings;
    this.liveNodes = liveNodes;
    this.clock = clock;
    this.budgets = new BudgetGuard(settings.dailyBudget(),
        BudgetGuard.Ledger.of(stores.batches(), stores.queries(), stores.spend()));
    Map<Backend, BackendGate> gates = new HashMap<>();
    for (Backend b : backends.all()) {
      gates.put(b, new BackendGate(b.name(), b.maxConcurrency(), settings.maxSyncShare(), b.config().limits(),
          clock.millis()));
      batchWindows.put(b, b.config().batchWindowList());
    }
    this.gates = Map.copyOf(gates);
    this.paths = new PathChoice(backends);
    this.recorder = new ResultRecorder<>(stores.results()::record, Duration.ofMillis(100));
    this.batchCall = new BatchCall(settings, stores.blobs(), recorder, metrics, clock, loop::wake);
    this.syncCalls = new SyncCalls(backends, this.gates, settings.prices(), stores.spend(), metrics, clock);
    this.backgroundCalls = new BackgroundCalls(stores.responses(), stores.spend(), settings, metrics, clock,
        loop::wake, responsesChanged, liveNodes);
    this.gauges = new DispatchGauges(backends, this.gates, metrics);
    this.shares = new ClusterShares(stores.shares(), settings.nodeId(), this.gates, liveNodes, clock);
  }

  /** Starts claiming batch work; synchronous requests are taken without it. */
  public Dispatcher start() {
    shares.start();
    loop.start();
    return this;
  }

  /** There may be new work: a batch was created, started or changed. The next round reads the batches again. */
  public void wake() {
    batchesChanged = true;
    loop.wake();
  }

  /** One round of the loop; pauses only when it started nothing, so a busy dispatcher claims on at once. */
  private long round() {
    try {
      return dispatchOnce() == 0 ? IDLE_WAIT_MS : 0;
    } catch (RuntimeException e) {
      if (roundFailureLog.due()) log.error("dispatch round failed: {} ({})", e.toString(), LogThrottle.MORE_NOT_LOGGED);
      return IDLE_WAIT_MS;
    }
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
      BudgetGuard.Verdict budget = budgets.check(b, now.toEpochMilli());
      if (budget.recorded()) batchesChanged = true;
      if (!budget.mayStart()) continue;
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
    long nowMs = now.toEpochMilli();
    for (Backend backend : backends.all()) {
      List<BatchRecord> batches = byBackend.getOrDefault(backend, List.of());
      if (batches.isEmpty() && !backgroundCalls.mayHaveWork(backend, nowMs)) continue;
      started += dispatch(backend, batches);
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
      inProgress = stores.batches().active().stream()
          .filter(b -> b.status() == BatchStatus.IN_PROGRESS && b.model() != null).toList();
    }
    return inProgress;
  }

  private int dispatch(Backend backend, List<BatchRecord> candidates) {
    BackendGate gate = gates.get(backend);
    long now = clock.millis();
    int admissible = gate.admissible(now);
    if (!gate.worthClaiming(admissible, now)) {
      gate.noRoomToClaim();
      return 0;
    }
    int started = claimWork(backend, gate, candidates, admissible, now);
    gate.claimed(started, admissible);
    return started;
  }

  /** Claims up to {@code admissible} calls' worth of work for {@code backend}; returns how many started. */
  private int claimWork(Backend backend, BackendGate gate, List<BatchRecord> candidates, int admissible, long now) {
    // Background responses go first: they are someone's single answer, waited for, at no discount.
    int started = backgroundCalls.claim(backend, gate, admissible, now, calls);
    if (started >= admissible || candidates.isEmpty()) return started;
    FairShare fair = fairShares.computeIfAbsent(backend, k -> new FairShare());
    List<BatchRecord> hungry = new ArrayList<>();
    for (FairShare.Allotment share : fair.split(admissible - started, candidates)) {
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
    BatchCall.Source source = new BatchCall.Source(batch, Endpoint.ofPath(batch.endpoint()).orElseThrow(),
        inputBlob(batch));
    List<ClaimedRequest> claimed;
    if (paths.waitsForJobs(batch, now)) {
      // Its fresh lines wait for provider jobs; only what a job handed back runs real-time.
      claimed = stores.queue().claimHandedBack(batch.id(), limit, now, settings.nodeId(), settings.lease());
    } else {
      // While the canary runs, only its sample may be sent.
      List<Integer> onlyLines = batch.canary().running() ? batch.canary().lines() : List.of();
      claimed = stores.queue().claim(batch.id(), limit, now, settings.nodeId(), settings.lease(), onlyLines,
          claimCursors.computeIfAbsent(batch.id(), id -> new ClaimCursor()));
    }
    if (claimed.isEmpty()) return 0;
    budgets.claimed(batch, claimed.size());
    // Calls that could not be submitted (shutting down) give their slots back; their leases run out.
    try (BatchGrant grant = gate.start(claimed.size(), now)) {
      for (ClaimedRequest r : claimed) {
        grant.handOut(permit -> calls.submit(() -> batchCall.send(backend, gate, source, r, permit)));
      }
    }
    return claimed.size();
  }

  private String inputBlob(BatchRecord batch) {
    return inputBlobs.computeIfAbsent(batch.id(), id -> stores.inputBlob(batch));
  }

  /** Forgets the input files of batches that no longer run, so their handles close. */
  private void forgetEnded(Set<String> running) {
    batchCall.forgetEnded(running);
    claimCursors.keySet().retainAll(running);
    for (var it = inputBlobs.entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      if (!running.contains(entry.getKey())) {
        it.remove();
        stores.blobs().release(entry.getValue());
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
    return syncCalls.send(project, priority, endpoint, model, body, maxWait);
  }

  /**
   * The same for a request whose answer is streamed to {@code listener} as the backend sends it. Empty when
   * no backend serves the model or none had room in time (nothing was sent to {@code listener} then).
   */
  public Optional<StreamedCall> streamNow(String project, Priority priority, Endpoint endpoint, String model,
      byte[] body, Duration maxWait, StreamListener listener) throws InterruptedException {
    return syncCalls.stream(project, priority, endpoint, model, body, maxWait, listener);
  }


  public List<BackendStatus> backendStatuses() {
    return gauges.statuses(clock.millis());
  }

  /**
   * Gauges of the dispatcher for {@code /metrics}: synchronous requests waiting per priority, and per
   * backend its calls in flight and current concurrency limit.
   */
  public void registerGauges(MeterRegistry registry) {
    gauges.register(registry);
  }

  /** Interrupts the calls in flight for a batch whose results are no longer wanted (cancelled, expired). */
  public void abort(String batchId) {
    batchCall.abort(batchId);
  }

  /** A background response was created: it is claimed in the next round. */
  public void responseCreated() {
    backgroundCalls.wake();
    loop.wake();
  }

  /** Interrupts the call in flight on this node for a background response that was cancelled. */
  public void abortResponse(String id) {
    backgroundCalls.abort(id);
  }

  /** Stops claiming, lets calls in flight finish for up to {@code grace}, and writes their results. */
  public void close(Duration grace) {
    loop.close();
    try {
      calls.shutdown();
      if (!calls.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) calls.shutdownNow();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    recorder.close();
    backgroundCalls.close();
    shares.close(); // once no call of this node is in flight: the others may take its part at once
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
