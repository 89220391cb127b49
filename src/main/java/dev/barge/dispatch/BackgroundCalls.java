package dev.barge.dispatch;

import dev.barge.cost.Usage;
import dev.barge.store.ClaimedResponse;
import dev.barge.store.NodeStore;
import dev.barge.store.ResponseStore;
import dev.barge.store.ResponseUpdate;
import dev.barge.store.SpendStore;
import dev.barge.upstream.Backend;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background responses on the dispatcher's backends. They are claimed ahead of batch work, so they come
 * behind synchronous calls (which take their slots first) and before any batch. Each call runs on its own
 * virtual thread under the backend's gate, like a batch line: limits, retries with backoff, a lease that
 * brings the response back if this node dies. Outcomes are written in groups by a recorder of their own.
 */
final class BackgroundCalls implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackgroundCalls.class);
  /** How often a backend whose queue looked empty looks again: for retries come due, and other nodes' work. */
  private static final long LOOK_AGAIN_MS = 250;
  private static final long RELEASE_EVERY_MS = 5_000;
  /** How long a cancel is remembered for a call that may be about to start on this node. */
  private static final long ABORT_KEPT_MS = 60_000;

  private final ResponseStore store;
  private final Dispatcher.Settings settings;
  private final ResponseSettlements settlements;
  private final DispatchMetrics metrics;
  private final Clock clock;
  private final Runnable claimMore;
  private final Consumer<List<String>> changed;
  private final Supplier<NodeStore.LiveNodes> liveNodes;
  private final ProjectSpend spend;
  private final ResultRecorder<ResponseUpdate> recorder;
  private final Map<String, Thread> inFlight = new ConcurrentHashMap<>();
  /** Responses cancelled while their call may be starting here, and when: such a call is not made. */
  private final Map<String, Long> aborted = new ConcurrentHashMap<>();
  /** Backends whose last claim found no more work: they skip claims until woken or {@link #LOOK_AGAIN_MS}. */
  private final Set<Backend> drained = ConcurrentHashMap.newKeySet();
  private volatile long lookedAt;
  private long releasedAt;
  private Set<String> aliveAtLastRelease = Set.of();

  /**
   * @param claimMore wakes the dispatcher: a call ended and the backend is worth a claim again
   * @param changed told the ids of responses whose status changed (started, ended), for those following them
   * @param liveNodes the nodes alive: the responses leased by one that left go back to the queue
   */
  BackgroundCalls(ResponseStore store, SpendStore spend, Dispatcher.Settings settings, DispatchMetrics metrics,
      Clock clock, Runnable claimMore, Consumer<List<String>> changed, Supplier<NodeStore.LiveNodes> liveNodes) {
    this.store = store;
    this.spend = new ProjectSpend(spend, settings.dailyBudget(), clock);
    this.settings = settings;
    this.settlements = new ResponseSettlements(settings.prices());
    this.metrics = metrics;
    this.clock = clock;
    this.claimMore = claimMore;
    this.changed = changed;
    this.liveNodes = liveNodes;
    this.recorder = new ResultRecorder<>(group -> changed.accept(store.record(group)), Duration.ofMillis(100));
  }

  /** A response was created (or came back): every backend looks for work again. */
  void wake() {
    drained.clear();
  }

  /** Whether a claim for {@code backend} is worth making now; also gives back leases of nodes that died. */
  boolean mayHaveWork(Backend backend, long now) {
    if (now - lookedAt >= LOOK_AGAIN_MS) {
      lookedAt = now;
      drained.clear();
      if (now - releasedAt >= RELEASE_EVERY_MS) {
        releasedAt = now;
        releaseOrphans();
        aborted.values().removeIf(at -> now - at > ABORT_KEPT_MS);
      }
    }
    return backend.serves(Endpoint.RESPONSES) && !drained.contains(backend);
  }

  /**
   * Puts back in the queue the responses whose lease ran out, and, when a node left the live set, those it
   * held: they need not wait for their lease (the request timeout and a minute) to run out.
   */
  private void releaseOrphans() {
    int released = store.releaseExpiredLeases();
    NodeStore.LiveNodes live = liveNodes.get();
    if (!live.ids().equals(aliveAtLastRelease)) {
      released += store.releaseLeasesOfDeadNodes(live.since());
      aliveAtLastRelease = live.ids();
    }
    if (released > 0) log.info("{} background responses leased by stopped nodes went back to the queue", released);
  }

  /** Claims up to {@code limit} background responses for {@code backend} and starts their calls; returns how many. */
  int claim(Backend backend, BackendGate gate, int limit, long now, ExecutorService calls) {
    if (limit <= 0 || !mayHaveWork(backend, now)) return 0;
    List<ClaimedResponse> claimed = store.claim(backend.models(), limit, now, settings.nodeId(), settings.lease());
    if (claimed.size() < limit) drained.add(backend);
    if (claimed.isEmpty()) return 0;
    changed.accept(claimed.stream().map(ClaimedResponse::id).toList());
    try (BatchGrant grant = gate.start(claimed.size(), now)) {
      for (ClaimedResponse r : claimed) {
        grant.handOut(permit -> calls.submit(() -> send(backend, gate, r, permit)));
      }
    }
    return claimed.size();
  }

  private void send(Backend backend, BackendGate gate, ClaimedResponse r, Permit permit) {
    inFlight.put(r.id(), Thread.currentThread());
    try (permit) {
      if (aborted.remove(r.id()) != null) return; // cancelled as it was claimed; unobserved
      if (!spend.budgetLeft(r.project())) {
        recorder.add(settlements.overBudget(r, settings.nodeId(), clock.millis()));
        return;
      }
      byte[] body = r.request().getBytes(StandardCharsets.UTF_8);
      permit.charge(body, true, clock.millis());
      long start = System.nanoTime();
      Outcome outcome = backend.send(Endpoint.RESPONSES, body);
      // A cancel cut the call short: its outcome says nothing of the backend, and nobody wants it. (An
      // answer that came whole is still recorded: the cancel keeps the response, the spend counts it.)
      if (aborted.remove(r.id()) != null && outcome instanceof Outcome.TransportFailure) return;
      ResponseUpdate update = settle(r, outcome, gate.healthy(clock.millis()));
      recorder.add(update);
      metrics.called(backend.name(), Endpoint.RESPONSES.path(), "background", outcome,
          Duration.ofNanos(System.nanoTime() - start));
      Usage usage = update instanceof ResponseUpdate.Finished f ? f.usage() : Usage.ZERO;
      if (update instanceof ResponseUpdate.Finished f) {
        metrics.used(backend.name(), usage.inputTokens(), usage.outputTokens(), f.tier().wireName(), f.cost());
      }
      permit.observe(outcome, usage, clock.millis());
    } finally {
      inFlight.remove(r.id());
      Thread.interrupted(); // a cancel must not leak into the next task of this thread
      long now = clock.millis();
      if (gate.worthClaiming(gate.admissible(now), now)) claimMore.run();
    }
  }

  private ResponseUpdate settle(ClaimedResponse r, Outcome outcome, boolean backendHealthy) {
    long now = clock.millis();
    Optional<Duration> delay = settings.retry().nextDelay(r.attempts(), outcome, backendHealthy);
    if (delay.isPresent()) return new ResponseUpdate.Requeued(r.id(), settings.nodeId(), now + delay.get().toMillis());
    return settlements.finalOutcome(r, settings.nodeId(), outcome, now);
  }

  /**
   * Interrupts the call in flight on this node for a response that was cancelled; its outcome is dropped,
   * and a call about to start for it is not made.
   */
  void abort(String id) {
    aborted.put(id, clock.millis());
    Thread thread = inFlight.get(id);
    if (thread != null) thread.interrupt();
  }

  /** Writes the outcomes not written yet. */
  @Override
  public void close() {
    recorder.close();
  }
}
