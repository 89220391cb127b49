package dev.barge.dispatch;

import dev.barge.cost.PriceTable;
import dev.barge.cost.Tier;
import dev.barge.cost.Usage;
import dev.barge.store.SpendStore;
import dev.barge.upstream.Backend;
import dev.barge.upstream.Backends;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.ResponseUsage;
import dev.barge.upstream.StreamListener;
import dev.barge.upstream.StreamedCall;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synchronous requests: each is sent at once on the caller's thread, ahead of any batch work, to a
 * backend serving its model that has a slot for it, and its price is added to its project's spend.
 */
final class SyncCalls {
  private static final Logger log = LoggerFactory.getLogger(SyncCalls.class);
  /**
   * How long a waiting caller sleeps at most between looks: it is woken when a call on its first backend
   * ends, and this covers the others, and slots that come back by a rate or the end of a pause.
   */
  private static final long LOOK_AGAIN_MILLIS = 20;

  private final Backends backends;
  private final Map<Backend, BackendGate> gates;
  private final PriceTable prices;
  private final SpendStore spend;
  private final DispatchMetrics metrics;
  private final Clock clock;

  SyncCalls(Backends backends, Map<Backend, BackendGate> gates, PriceTable prices, SpendStore spend,
      DispatchMetrics metrics, Clock clock) {
    this.backends = backends;
    this.gates = gates;
    this.prices = prices;
    this.spend = spend;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Sends one synchronous request to a backend serving {@code model}, ahead of any batch work: one with
   * a free slot, picked at random in proportion to the backends' {@code weight}, or else the first to
   * free one within {@code maxWait}. Empty when no backend serves the model or none had room in time.
   */
  Optional<Outcome> send(String project, Priority priority, Endpoint endpoint, String model, byte[] body,
      Duration maxWait) throws InterruptedException {
    Slot slot = slotFor(model, priority, maxWait);
    if (slot == null) return Optional.empty();
    Outcome outcome;
    try (Permit permit = slot.permit()) {
      long start = System.nanoTime();
      outcome = slot.backend().sendNow(endpoint, body);
      metrics.called(slot.backend().name(), endpoint.path(), priority.name().toLowerCase(Locale.ROOT), outcome,
          Duration.ofNanos(System.nanoTime() - start));
      permit.observe(outcome, Usage.ZERO, clock.millis());
    }
    charge(project, priority, slot.backend(), model, outcome);
    return Optional.of(outcome);
  }

  /**
   * The same for a request whose answer is streamed to {@code listener} as it arrives: the slot is held until
   * the stream ends or the caller leaves, and the call is priced by the usage the stream reports.
   */
  Optional<StreamedCall> stream(String project, Priority priority, Endpoint endpoint, String model, byte[] body,
      Duration maxWait, StreamListener listener) throws InterruptedException {
    Slot slot = slotFor(model, priority, maxWait);
    if (slot == null) return Optional.empty();
    StreamedCall call;
    try (Permit permit = slot.permit()) {
      long start = System.nanoTime();
      call = slot.backend().stream(endpoint, body, listener);
      // A caller who left says nothing of the backend: its call counts neither way.
      if (!call.callerLeft()) {
        metrics.called(slot.backend().name(), endpoint.path(), priority.name().toLowerCase(Locale.ROOT),
            call.outcome(), Duration.ofNanos(System.nanoTime() - start));
        permit.observe(call.outcome(), call.usage(), clock.millis());
      }
    }
    // Tokens generated are paid for, whether the stream was read to its end or not.
    if (call.streamed()) {
      charge(project, priority, slot.backend(), model, call.usage());
    } else if (call.outcome() instanceof Outcome.Success success) {
      charge(project, priority, slot.backend(), model, ResponseUsage.ofObject(success.body()));
    }
    return Optional.of(call);
  }

  /** A slot on a backend serving {@code model} within {@code maxWait}; null when none serves it or had room. */
  private Slot slotFor(String model, Priority priority, Duration maxWait) throws InterruptedException {
    List<Backend> serving = backends.serving(model);
    return serving.isEmpty() ? null : awaitSlot(serving, priority, clock.millis() + maxWait.toMillis());
  }

  /** A synchronous call's backend and its slot there. */
  private record Slot(Backend backend, Permit permit) {}

  /**
   * Starts a synchronous call on one of {@code serving} as soon as one has a slot, before {@code deadline};
   * null when none had one in time. Meanwhile the caller counts as waiting there, which holds batch work
   * back; once its call has started it no longer does (a waiting count held through the call starved
   * batch work beside steady synchronous clients).
   */
  private Slot awaitSlot(List<Backend> serving, Priority priority, long deadline) throws InterruptedException {
    List<SyncQueue.Place> places = new ArrayList<>();
    try {
      for (Backend backend : serving) places.add(gates.get(backend).waitFor(priority));
      while (true) {
        for (Backend backend : byWeightedChance(serving)) {
          Permit permit = gates.get(backend).tryStart(priority, clock.millis());
          if (permit != null) return new Slot(backend, permit);
        }
        long left = deadline - clock.millis();
        if (left <= 0) return null;
        gates.get(serving.getFirst()).awaitEnd(Math.min(left, LOOK_AGAIN_MILLIS));
      }
    } finally {
      places.forEach(SyncQueue.Place::close);
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

  /** A synchronous answer that was billed (a success) adds to its project's spend at its tier's price. */
  private void charge(String project, Priority priority, Backend backend, String model, Outcome outcome) {
    if (outcome instanceof Outcome.Success success) {
      charge(project, priority, backend, model, ResponseUsage.ofObject(success.body()));
    }
  }

  /** Tokens a synchronous call used (null: unknown) add to its project's spend at its tier's price. */
  private void charge(String project, Priority priority, Backend backend, String model, Usage u) {
    if (u == null || u.totalTokens() == 0) return;
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
}
