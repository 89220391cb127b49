package dev.barge.dispatch;

import dev.barge.config.LimitsConfig;
import dev.barge.cost.TokenEstimate;
import dev.barge.cost.Usage;
import dev.barge.upstream.Outcome;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How much one backend may take right now: calls in flight under an adaptive concurrency limit,
 * requests and tokens per minute ({@link LearnedLimits}, metered by {@link TokenMeter} for tokens), a pause
 * the backend asked for ({@code Retry-After}, or limits used up until their reset), a circuit breaker, and
 * synchronous calls first ({@link SyncQueue}). The dispatcher asks {@link #admissible} before claiming work;
 * every call holds a {@link Permit} from its start to its end.
 *
 * <p>Synchronisation: this class's own state is atomics; each part it delegates to guards itself.
 */
final class BackendGate {
  private static final Logger log = LoggerFactory.getLogger(BackendGate.class);
  private static final long LONGEST_PAUSE_MILLIS = 3_600_000;

  private final String name;
  private final int maxConcurrency;
  private final AtomicInteger inFlight = new AtomicInteger(); // batch and synchronous calls
  private final AtomicInteger peakInFlight = new AtomicInteger(); // since the demand was last asked
  private final AtomicBoolean wantedMore = new AtomicBoolean();
  private volatile boolean batchWorkLeft; // by the last claim round
  private volatile double share = 1;
  private final AtomicLong pausedUntil = new AtomicLong();
  private final AdaptiveLimit concurrency;
  private final CircuitBreaker breaker = new CircuitBreaker();
  private final LearnedLimits limits;
  private final TokenMeter tokens;
  private final SyncQueue sync;
  private final Stragglers stragglers = new Stragglers();

  BackendGate(String name, int maxConcurrency, LimitsConfig limits, long now) {
    this(name, maxConcurrency, 1.0, limits, now);
  }

  /** @param maxSyncShare the most of the concurrency limit synchronous calls may hold at once */
  BackendGate(String name, int maxConcurrency, double maxSyncShare, LimitsConfig limits, long now) {
    this.name = name;
    this.maxConcurrency = maxConcurrency;
    this.concurrency = new AdaptiveLimit(maxConcurrency);
    this.limits = new LearnedLimits(name, limits, now);
    this.tokens = new TokenMeter(this.limits::tokens, limits.defaultOutputTokens());
    this.sync = new SyncQueue(maxSyncShare);
  }

  /**
   * The limits hold for all nodes sharing the database together: this one keeps to {@code share} (0 to 1)
   * of them and of {@code max_concurrency}, one call at least ({@link ClusterShares} sets it by demand).
   */
  void holdShare(double share, long now) {
    this.share = share;
    limits.holdShare(share, now);
    concurrency.capAt(Math.max(1, (int) Math.floor(maxConcurrency * share + 1e-9)));
  }

  /**
   * How much of the backend's limits this node wants, from 0 to 1, judged since this was last asked
   * ({@code windowMillis} ago): all of them when work waited for the gate meanwhile ({@link #wantedMore});
   * else the largest part it used of a rate limit or of {@code max_concurrency}.
   */
  double demandSinceLastAsked(long windowMillis) {
    double used = limits.usedSinceLastAsked(windowMillis);
    used = Math.max(used, (double) peakInFlight.getAndSet(inFlight.get()) / maxConcurrency);
    return wantedMore.getAndSet(false) ? 1 : Math.min(1, used);
  }

  /** Work waited here: this node would have started more calls than its share of the limits allowed. */
  private void wantedMore() {
    wantedMore.set(true);
  }

  /**
   * A claim round started {@code started} batch calls where {@code admissible} could: when it took all of
   * them, work was probably left that this node's share held back.
   */
  void claimed(int started, int admissible) {
    batchWorkLeft = started >= admissible;
    if (batchWorkLeft) wantedMore();
  }

  /** A round with batch work in sight found no room to claim: what the last round left waits for the share. */
  void noRoomToClaim() {
    if (batchWorkLeft) wantedMore();
  }

  /**
   * How many batch calls may start now. Synchronous calls come first: while any waits for a slot it may
   * take, batch work claims nothing, so the slots of finishing batch calls go to them within one call's
   * time. Synchronous calls hold at most their share of the slots ({@code server.max_sync_share}), so
   * batch work keeps the rest even beside a synchronous load that would take every slot.
   */
  int admissible(long now) {
    if (now < pausedUntil.get()) return 0;
    int limit = concurrency.current();
    if (sync.holdsBackBatch(limit)) return 0;
    // Slots kept free for the synchronous calls seen lately, so they find one without waiting.
    int reserved = sync.reserved(limit, now);
    long n = Math.min(limit - reserved - (counted(limit, now) - sync.inFlight()), breaker.allowance(now));
    RateBucket r = limits.requests();
    if (r != null) n = Math.min(n, r.available(now));
    n = Math.min(n, tokens.admissibleCalls(now));
    return (int) Math.max(0, n);
  }

  /**
   * Whether {@code n} admissible calls are worth a claim (a database transaction) now: when only the
   * concurrency limit holds calls back, wait until an eighth of it is free; when a rate does, take what it gives.
   */
  boolean worthClaiming(int n, long now) {
    if (n <= 0) return false;
    int limit = concurrency.current();
    int free = limit - counted(limit, now);
    return n < free || n >= Math.max(1, limit / 8);
  }

  /**
   * {@code n} batch calls were claimed and will start: they take their slots, requests, and tokens held for
   * what a call costs on average ({@link TokenMeter#hold}). The grant hands out one permit per call.
   */
  BatchGrant start(int n, long now) {
    peakInFlight.accumulateAndGet(inFlight.addAndGet(n), Math::max);
    RateBucket r = limits.requests();
    if (r != null) r.take(n, now);
    if (n > 0) breaker.started(now);
    return new BatchGrant(this, n, tokens.hold(n, now), now);
  }

  /**
   * Starts a synchronous call if the backend can take one now: a free slot, a request left this minute
   * (debt allowed: a synchronous call is never held back by tokens), not paused, breaker closed, and for
   * flex, no interactive call waiting. Returns its permit, or null when it cannot start.
   */
  Permit tryStart(Priority priority, long now) {
    int limit = concurrency.current();
    boolean started = sync.tryStart(priority, limit, now, () -> {
      if (now < pausedUntil.get() || breaker.allowance(now) == 0 || counted(limit, now) >= limit) return false;
      RateBucket r = limits.requests();
      if (r != null && r.available(now) == 0) return false;
      peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      if (r != null) r.take(1, now);
      breaker.started(now);
      return true;
    });
    if (started) return new Permit(this, true, 0, now);
    // Held back by slots or requests, which grow with this node's share (a pause or an open circuit do not).
    if (now >= pausedUntil.get() && breaker.allowance(now) > 0) wantedMore();
    return null;
  }

  /** The permit of one call of a {@link BatchGrant}, which took its slot {@code startedAt}. */
  Permit batchPermit(long heldTokens, long startedAt) {
    Permit permit = new Permit(this, false, heldTokens, startedAt);
    stragglers.opened(permit);
    return permit;
  }

  /** Calls in flight that count against the concurrency limit: all but the {@link Stragglers}. */
  private int counted(int limit, long now) {
    return inFlight.get() - stragglers.uncounted(limit, now);
  }

  /**
   * A synchronous caller waits for a slot here until it closes the place: meanwhile batch work claims
   * nothing (and flex gives way to interactive).
   */
  SyncQueue.Place waitFor(Priority priority) {
    return sync.enter(priority);
  }

  /** Waits until a call here ends, or at most {@code maxMillis}. */
  void awaitEnd(long maxMillis) throws InterruptedException {
    sync.awaitSlot(maxMillis);
  }

  /** Synchronous requests of {@code priority} waiting for a slot of this backend. */
  int waiting(Priority priority) {
    return sync.waiting(priority);
  }

  /** Calls in flight, batch and synchronous. */
  int inFlight() {
    return inFlight.get();
  }

  /** Whether the backend answers most calls well: not overloaded, its circuit closed. */
  boolean healthy(long now) {
    return !concurrency.overloadedNow() && breaker.state(now) == CircuitBreaker.State.CLOSED;
  }

  /** The circuit breaker's state: {@code closed}, {@code open} or {@code half_open}. */
  String circuit(long now) {
    return breaker.state(now).name().toLowerCase(Locale.ROOT);
  }

  /** This node's part of the backend's limits, shared with the other nodes (1 alone). */
  double share() {
    return share;
  }

  /** The adaptive concurrency limit as it stands. */
  int concurrencyLimit() {
    return concurrency.current();
  }

  /** The backend's tokens per minute as metered: a permit charges its call's count here. */
  TokenMeter tokens() {
    return tokens;
  }

  /** {@code n} calls of a grant will not start after all: their slots, requests and held tokens come back. */
  void notStarted(int n, long heldTokens, long now) {
    if (n <= 0) return;
    inFlight.addAndGet(-n);
    RateBucket r = limits.requests();
    if (r != null) r.take(-n, now);
    tokens.release(n, heldTokens, now);
    breaker.released();
  }

  /** A call's permit closed, however the call went. */
  void ended(Permit permit, boolean observed) {
    if (!observed) breaker.released(); // no outcome to learn from: a probe it was may be sent again
    if (permit.synchronous()) sync.ended();
    else stragglers.closed(permit);
    inFlight.decrementAndGet();
    sync.slotFreed();
  }

  /**
   * Learns from how a call went. {@code estimate} is what it was counted for (null when tokens were not
   * counted), {@code usage} what the backend reported for it.
   */
  void observe(Permit permit, Outcome outcome, TokenEstimate estimate, Usage usage, long now) {
    if (outcome instanceof Outcome.Answered answered) pause(limits.learn(answered.limits(), now), now);
    switch (outcome) {
      case Outcome.Success s -> {
        if (!permit.synchronous()) stragglers.answeredIn(now - permit.startedAt());
        concurrency.succeeded();
        breaker.succeeded();
        if (estimate != null) tokens.correct(estimate, usage, now);
      }
      case Outcome.RateLimited r -> {
        // A rate limit holds for the whole key, so the whole backend waits what it asked.
        concurrency.overloaded(now);
        pause(r.retryAfter(), now);
        breaker.succeeded(); // it answered: up, only busy
      }
      case Outcome.Retryable r -> {
        if (r.status() == 503) {
          concurrency.overloaded(now);
          // An odd 503 among successes is about that request, which waits its Retry-After itself; only
          // when most answers are 503s does the whole backend wait.
          if (concurrency.overloadedNow()) pause(r.retryAfter(), now);
        } else {
          concurrency.answeredOtherwise();
        }
        // 502-504 say the backend is down or unreachable; a 500 or 408 is as often about the one request.
        if (r.status() >= 502 && r.status() <= 504) {
          failed(now);
        } else {
          breaker.succeeded();
        }
      }
      case Outcome.Garbled g -> {
        concurrency.answeredOtherwise();
        breaker.succeeded(); // it answered; the body was lost on the way
      }
      case Outcome.TransportFailure t -> failed(now);
      case Outcome.Rejected r -> {
        concurrency.answeredOtherwise();
        breaker.succeeded(); // the backend works; the request was wrong
      }
    }
  }

  private void failed(long now) {
    if (breaker.failed(now)) log.warn("backend {} keeps failing: paused, then probed with one request", name);
  }

  private void pause(Duration wait, long now) {
    if (wait == null || wait.isZero()) return;
    // Capped, so an absurd Retry-After neither overflows nor stops a backend for days; the requests'
    // own retries still wait what the backend asked.
    long until = now + Math.min(wait.toMillis(), LONGEST_PAUSE_MILLIS);
    if (pausedUntil.getAndAccumulate(until, Math::max) >= until) return;
    // Nothing saved up meanwhile: the end of the pause releases no burst at a backend that just refused some.
    limits.emptyUntil(until, now);
  }
}
