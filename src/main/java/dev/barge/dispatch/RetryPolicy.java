package dev.barge.dispatch;

import dev.barge.upstream.Outcome;
import java.time.Duration;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When to try a request again: rate limits, server errors, garbled answers, timeouts and broken
 * connections are worth another attempt; any other answer is final. Delays grow exponentially with full jitter (a random
 * delay up to the exponential cap, so retrying clients spread out), and never undercut the backend's
 * {@code Retry-After}. Backing off protects a backend that is struggling; a fault of a backend that
 * answers almost everything else (an odd 500, reset or cut-off body) says nothing about its load, so
 * then the delay stays within the first step, however often the one request was unlucky: otherwise a
 * batch's last lines wait seconds for nothing.
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, RandomGenerator random) {
  private static final Duration LONGEST_WAIT = Duration.ofDays(30);

  /** The delay before the next attempt, or empty when {@code outcome} is final or attempts are used up. */
  public Optional<Duration> nextDelay(int attemptsSoFar, Outcome outcome) {
    return nextDelay(attemptsSoFar, outcome, false);
  }

  /**
   * The same, where {@code backendHealthy} says the backend answers most calls well (no overload, circuit
   * closed): then the delay does not grow with the attempts.
   */
  public Optional<Duration> nextDelay(int attemptsSoFar, Outcome outcome, boolean backendHealthy) {
    Duration asked;
    switch (outcome) {
      case Outcome.RateLimited r -> asked = r.retryAfter();
      case Outcome.Retryable r -> asked = r.retryAfter();
      case Outcome.TransportFailure t -> asked = null;
      case Outcome.Garbled g -> asked = null;
      case Outcome.Success s -> { return Optional.empty(); }
      case Outcome.Rejected r -> { return Optional.empty(); }
    }
    if (attemptsSoFar >= maxAttempts) return Optional.empty();
    if (asked != null && asked.compareTo(LONGEST_WAIT) > 0) asked = LONGEST_WAIT; // absurd values must not overflow
    long capMs = maxBackoff.toMillis();
    long expMs = initialBackoff.toMillis() << (backendHealthy ? 0 : Math.min(attemptsSoFar - 1, 30));
    long ceiling = Math.max(1, Math.min(capMs, expMs < 0 ? capMs : expMs));
    Duration jitter = Duration.ofMillis(random.nextLong(ceiling + 1));
    return Optional.of(asked != null && asked.compareTo(jitter) > 0 ? asked : jitter);
  }
}
