package dev.barge.dispatch;

import dev.barge.config.LimitsConfig;
import dev.barge.cost.TokenCounter;
import dev.barge.cost.TokenEstimate;
import dev.barge.cost.Usage;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.RateLimitHeaders;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How much one backend may take right now: calls in flight under an adaptive concurrency limit,
 * requests and tokens per minute (configured, or learned from the backend's {@code x-ratelimit-*}
 * headers), a pause the backend asked for ({@code Retry-After}, or limits used up until their reset),
 * and a circuit breaker. The dispatcher asks {@link #admissible} before claiming work and reports every
 * call's start and end.
 */
final class BackendGate {
  private static final Logger log = LoggerFactory.getLogger(BackendGate.class);
  /** Weight of the newest sample in the running averages. */
  private static final double SMOOTHING = 0.05;
  private static final long LONGEST_PAUSE_MILLIS = 3_600_000;
  /**
   * Kept below every rate limit: Barge's bucket and the backend's drift apart by network and scheduling
   * jitter, and a call that arrives a little early at a backend whose bucket is empty is a 429.
   */
  static final double RATE_MARGIN = 0.02;

  private final String name;
  private final TokenCounter counter;
  private final long defaultOutputTokens;
  private final Long configuredRequestsPerMinute;
  private final Long configuredTokensPerMinute;
  private final AtomicInteger inFlight = new AtomicInteger(); // batch and interactive calls
  private final AtomicInteger interactiveWaiting = new AtomicInteger();
  private final AtomicInteger flexWaiting = new AtomicInteger();
  private final AtomicInteger syncInFlight = new AtomicInteger();
  private final SyncDemand syncDemand = new SyncDemand();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition slotFreed = lock.newCondition();
  private final AdaptiveLimit concurrency;
  private final CircuitBreaker breaker = new CircuitBreaker();
  private final int maxConcurrency;
  private final double maxSyncShare;
  private volatile Long clusterRequestsPerMinute; // configured, or announced by the backend
  private volatile Long clusterTokensPerMinute;
  private volatile int nodes = 1;
  private volatile RateBucket requests; // this node's share of the limits above
  private volatile RateBucket tokens;
  private volatile long pausedUntil;
  private double promptScale = 1.0; // prompt tokens the backend reports per token Barge counted
  private double tokensPerCall;

  BackendGate(String name, int maxConcurrency, LimitsConfig limits, long now) {
    this(name, maxConcurrency, 1.0, limits, now);
  }

  /** @param maxSyncShare the most of the concurrency limit synchronous calls may hold at once */
  BackendGate(String name, int maxConcurrency, double maxSyncShare, LimitsConfig limits, long now) {
    this.name = name;
    this.maxSyncShare = maxSyncShare;
    this.defaultOutputTokens = limits.defaultOutputTokens();
    this.counter = new TokenCounter(defaultOutputTokens);
    this.maxConcurrency = maxConcurrency;
    this.concurrency = new AdaptiveLimit(maxConcurrency);
    this.configuredRequestsPerMinute = limits.requestsPerMinute() == null ? null : (long) limits.requestsPerMinute();
    this.configuredTokensPerMinute = limits.tokensPerMinute() == null ? null : (long) limits.tokensPerMinute();
    clusterRequestsPerMinute = configuredRequestsPerMinute;
    clusterTokensPerMinute = configuredTokensPerMinute;
    rebuildBuckets(true, now);
  }

  /**
   * The limits hold for all nodes sharing the database together: with {@code nodesAlive} nodes, this one
   * keeps to its equal share of them (and of {@code max_concurrency}).
   */
  void shareAmong(int nodesAlive, long now) {
    int n = Math.max(1, nodesAlive);
    if (n == nodes) return;
    nodes = n;
    concurrency.capAt(Math.max(1, ceilDiv(maxConcurrency, n)));
    rebuildBuckets(false, now);
  }

  /**
   * New buckets for the limits as they stand. Only the first ones start {@code full}: a change comes from
   * nodes joining or leaving or from the backend announcing its limits (often on a 429), and a bucket that
   * started full then would send a burst at a backend that has nothing left.
   */
  private void rebuildBuckets(boolean full, long now) {
    requests = bucket(clusterRequestsPerMinute, full, now);
    tokens = bucket(clusterTokensPerMinute, full, now);
  }

  private RateBucket bucket(Long clusterPerMinute, boolean full, long now) {
    if (clusterPerMinute == null) return null;
    return new RateBucket(Math.max(1.0, clusterPerMinute * (1 - RATE_MARGIN) / nodes), full, now);
  }

  /** The most slots synchronous calls may hold now: their share of the limit, one at least. */
  private int syncSlots() {
    return Math.max(1, (int) (concurrency.current() * maxSyncShare));
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  /**
   * How many batch calls may start now. Synchronous calls come first: while any waits for a slot it may
   * take, batch work claims nothing, so the slots of finishing batch calls go to them within one call's
   * time. Synchronous calls hold at most their share of the slots ({@code server.max_sync_share}), so
   * batch work keeps the rest even beside a synchronous load that would take every slot.
   */
  int admissible(long now) {
    if (now < pausedUntil) return 0;
    boolean syncWaiting = interactiveWaiting.get() > 0 || flexWaiting.get() > 0;
    if (syncWaiting && syncInFlight.get() < syncSlots()) return 0;
    // Slots kept free for the synchronous calls seen lately, so they find one without waiting.
    int reserved = Math.min(syncSlots(), Math.max(syncDemand.reserve(now), syncInFlight.get()));
    long n = Math.min(concurrency.current() - reserved - (inFlight.get() - syncInFlight.get()),
        breaker.allowance(now));
    RateBucket r = requests;
    if (r != null) n = Math.min(n, r.available(now));
    RateBucket t = tokens;
    if (t != null) {
      long tokensLeft = t.available(now);
      double perCall = averageTokensPerCall();
      n = Math.min(n, tokensLeft == 0 ? 0 : perCall <= 0 ? 1 : Math.max(1, (long) (tokensLeft / perCall)));
    }
    return (int) Math.max(0, n);
  }

  /**
   * Whether {@code n} admissible calls are worth a claim (a database transaction) now: when only the
   * concurrency limit holds calls back, wait until an eighth of it is free; when a rate does, take what it gives.
   */
  boolean worthClaiming(int n, long now) {
    if (n <= 0) return false;
    int free = concurrency.current() - inFlight.get();
    return n < free || n >= Math.max(1, concurrency.current() / 8);
  }

  /**
   * {@code n} calls were claimed and will start. Each is held against the tokens budget for what a call
   * costs on average until its own count replaces that ({@link #charge}): the next round of claims
   * must see the budget already spent. Returns the tokens held per call.
   */
  long started(int n, long now) {
    inFlight.addAndGet(n);
    RateBucket r = requests;
    if (r != null) r.take(n, now);
    if (n > 0) breaker.started(now);
    RateBucket t = tokens;
    if (t == null) return 0;
    double perCall = averageTokensPerCall();
    long held = perCall > 0 ? Math.round(perCall) : defaultOutputTokens;
    t.take((double) held * n, now);
    return held;
  }

  /** Whether calls must count their tokens before they are sent. */
  boolean countsTokens() {
    return tokens != null;
  }

  /**
   * Counts a call's tokens and settles them against the {@code held} tokens it started with. A body that
   * cannot be read as JSON (validation makes that unlikely) is counted for its output budget alone.
   */
  TokenEstimate charge(byte[] body, boolean generates, long held, long now) {
    TokenEstimate estimate;
    try {
      estimate = counter.estimate(body, generates);
    } catch (IOException e) {
      estimate = new TokenEstimate(0, generates ? defaultOutputTokens : 0);
    }
    long cost;
    synchronized (this) {
      cost = Math.round(estimate.prompt() * promptScale) + estimate.output();
      tokensPerCall = tokensPerCall == 0 ? cost : tokensPerCall + SMOOTHING * (cost - tokensPerCall);
    }
    RateBucket t = tokens;
    if (t != null) t.take(cost - held, now);
    return estimate;
  }

  private synchronized double averageTokensPerCall() {
    return tokensPerCall;
  }

  /**
   * {@code n} calls counted by {@link #started} will not start after all (their submission failed):
   * their slots, requests and held tokens come back.
   */
  void notStarted(int n, long heldTokens, long now) {
    if (n <= 0) return;
    inFlight.addAndGet(-n);
    RateBucket r = requests;
    if (r != null) r.take(-n, now);
    RateBucket t = tokens;
    if (t != null) t.take(-(double) heldTokens * n, now);
    breaker.released();
  }

  /** A call ended without an outcome to learn from (its body could not be read, or it failed in Barge). */
  void endedUnobserved() {
    breaker.released();
  }

  /** A synchronous call that {@link #tryStart} began has ended, however it went. */
  void endedSync() {
    syncInFlight.decrementAndGet();
    ended();
  }

  /** A batch call that {@link #started} has ended, however it went. */
  void ended() {
    inFlight.decrementAndGet();
    if (interactiveWaiting.get() > 0 || flexWaiting.get() > 0) {
      lock.lock();
      try {
        slotFreed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Starts a synchronous call if the backend can take one now: a free slot, a request left this minute
   * (debt allowed: a synchronous call is never held back by tokens), not paused, breaker closed, and for
   * flex, no interactive call waiting.
   */
  boolean tryStart(Priority priority, long now) {
    lock.lock();
    try {
      if (priority == Priority.FLEX && interactiveWaiting.get() > 0) return false;
      if (now < pausedUntil || breaker.allowance(now) == 0) return false;
      if (inFlight.get() >= concurrency.current() || syncInFlight.get() >= syncSlots()) return false;
      RateBucket r = requests;
      if (r != null && r.available(now) == 0) return false;
      inFlight.incrementAndGet();
      syncDemand.saw(syncInFlight.incrementAndGet(), now);
      if (r != null) r.take(1, now);
      breaker.started(now);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * A synchronous caller starts ({@code +1}) or stops ({@code -1}) waiting for a slot here: while any
   * waits, batch work claims nothing (and flex gives way to interactive).
   */
  /** Synchronous requests of {@code priority} waiting for a slot of this backend. */
  int waiting(Priority priority) {
    return (priority == Priority.FLEX ? flexWaiting : interactiveWaiting).get();
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
    return breaker.state(now).name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The adaptive concurrency limit as it stands. */
  int concurrencyLimit() {
    return concurrency.current();
  }

  void waiting(Priority priority, int delta) {
    (priority == Priority.FLEX ? flexWaiting : interactiveWaiting).addAndGet(delta);
  }

  /** Waits until a call here ends, or at most {@code maxMillis}. */
  void awaitEnd(long maxMillis) throws InterruptedException {
    lock.lock();
    try {
      slotFreed.await(maxMillis, TimeUnit.MILLISECONDS);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Learns from how a call went. {@code estimate} is what it was counted for (null when tokens were not
   * counted), {@code usage} what the backend reported for it.
   */
  void observe(Outcome outcome, TokenEstimate estimate, Usage usage, long now) {
    if (outcome instanceof Outcome.Answered answered) learn(answered.limits(), now);
    switch (outcome) {
      case Outcome.Success s -> {
        concurrency.succeeded();
        breaker.succeeded();
        if (estimate != null) correct(estimate, usage, now);
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

  /** The backend counted more prompt tokens than Barge did: take the difference, and count better next time. */
  private void correct(TokenEstimate estimate, Usage usage, long now) {
    if (usage.inputTokens() <= 0 || estimate.prompt() <= 0) return;
    long extra;
    synchronized (this) {
      double charged = estimate.prompt() * promptScale;
      promptScale += SMOOTHING * ((double) usage.inputTokens() / estimate.prompt() - promptScale);
      extra = Math.round(usage.inputTokens() - charged);
    }
    RateBucket t = tokens;
    if (t != null && extra > 0) t.take(extra, now);
  }

  private void failed(long now) {
    if (breaker.failed(now)) log.warn("backend {} keeps failing: paused, then probed with one request", name);
  }

  private void pause(Duration wait, long now) {
    if (wait == null || wait.isZero()) return;
    // Capped, so an absurd Retry-After neither overflows nor stops a backend for days; the requests'
    // own retries still wait what the backend asked.
    long until = now + Math.min(wait.toMillis(), LONGEST_PAUSE_MILLIS);
    synchronized (this) {
      if (until <= pausedUntil) return;
      pausedUntil = until;
    }
    RateBucket r = requests;
    if (r != null) r.emptyUntil(until, now);
    RateBucket t = tokens;
    if (t != null) t.emptyUntil(until, now);
  }

  /** The limit to keep: the configured one, unless the backend announces a lower one; null when neither is known. */
  private static Long keptLimit(Long configured, Long announced) {
    if (announced == null) return configured;
    return configured == null ? announced : Math.min(configured, announced);
  }

  /**
   * Keeps to the limits a backend announces where none are configured or the configured ones are
   * higher (wrong), and never believes it has more left than it says.
   */
  private void learn(RateLimitHeaders h, long now) {
    if (h == RateLimitHeaders.NONE) return;
    boolean changed = false;
    Long rpm = keptLimit(configuredRequestsPerMinute, h.limitRequests());
    if (rpm != null && !rpm.equals(clusterRequestsPerMinute)) {
      clusterRequestsPerMinute = rpm;
      log.info("backend {} announces {} requests per minute (configured: {}); keeping to {}", name,
          h.limitRequests(), configuredRequestsPerMinute, rpm);
      changed = true;
    }
    Long tpm = keptLimit(configuredTokensPerMinute, h.limitTokens());
    if (tpm != null && !tpm.equals(clusterTokensPerMinute)) {
      clusterTokensPerMinute = tpm;
      log.info("backend {} announces {} tokens per minute (configured: {}); keeping to {}", name,
          h.limitTokens(), configuredTokensPerMinute, tpm);
      changed = true;
    }
    if (changed) rebuildBuckets(false, now);
    RateBucket r = requests;
    if (r != null && h.remainingRequests() != null) {
      r.atMost(h.remainingRequests(), now);
      if (h.remainingRequests() == 0) pause(h.resetRequests(), now);
    }
    RateBucket t = tokens;
    if (t != null && h.remainingTokens() != null) {
      t.atMost(h.remainingTokens(), now);
      if (h.remainingTokens() == 0) pause(h.resetTokens(), now);
    }
  }
}
