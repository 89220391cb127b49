package dev.barge.upstream.simulator;

import java.time.Duration;
import java.time.Instant;

/**
 * A bucket refilling continuously at a per-minute rate and holding up to {@code burstSeconds} of it: a limit
 * of 60 per minute lets one request through every second rather than 60 at the top of each minute. Not
 * thread-safe; {@link RateLimits} locks around it.
 */
final class TokenBucket {
  private static final double NANOS_PER_MINUTE = 60e9;

  private final long perMinute;
  private final long capacity;
  private double level;
  private Instant refilledAt;

  /** Starts full. */
  TokenBucket(long perMinute, int burstSeconds, Instant now) {
    this.perMinute = perMinute;
    this.capacity = Math.max(1, perMinute * burstSeconds / 60);
    this.level = capacity;
    this.refilledAt = now;
  }

  void refill(Instant now) {
    // A clock that steps back adds nothing rather than draining the bucket.
    if (now.isAfter(refilledAt)) {
      double elapsedNanos = Duration.between(refilledAt, now).toNanos();
      level = Math.min(capacity, level + elapsedNanos * perMinute / NANOS_PER_MINUTE);
      refilledAt = now;
    }
  }

  /** The limit per minute, as announced in {@code x-ratelimit-limit-*}. */
  long perMinute() {
    return perMinute;
  }

  /** The most it lets through at once. */
  long capacity() {
    return capacity;
  }

  /** Whole units left, as sent in {@code x-ratelimit-remaining-*}. */
  long remaining() {
    return (long) Math.floor(level);
  }

  /** How long until {@code amount} units are available; zero when they are. */
  Duration timeUntil(long amount) {
    return amount <= level ? Duration.ZERO : nanos(amount - level);
  }

  /** How long until the bucket is full again, as sent in {@code x-ratelimit-reset-*}. */
  Duration timeUntilFull() {
    return nanos(capacity - level);
  }

  void take(long amount) {
    level -= amount;
  }

  // Multiplying before dividing keeps whole-unit answers exact (1 of 60 per minute is exactly one second).
  private Duration nanos(double missing) {
    return Duration.ofNanos((long) Math.ceil(missing * NANOS_PER_MINUTE / perMinute));
  }
}
