package dev.barge.dispatch;

import dev.barge.config.LimitsConfig;
import dev.barge.upstream.RateLimitHeaders;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requests and tokens per minute one backend is held to, and the buckets that meter this node's share
 * of them. A limit is the configured one, or a lower one the backend announces in its {@code x-ratelimit-*}
 * (or Anthropic) headers: a configured limit above what the backend allows is wrong, and every call over it
 * would be a 429.
 *
 * <p>Synchronisation: every method holds this object's monitor (the buckets are swapped as a whole when the
 * limits change; a new share changes their rates in place).
 */
final class LearnedLimits {
  private static final Logger log = LoggerFactory.getLogger(LearnedLimits.class);
  /**
   * Kept below every rate limit: Barge's bucket and the backend's drift apart by network and scheduling
   * jitter, and a call that arrives a little early at a backend whose bucket is empty is a 429.
   */
  static final double RATE_MARGIN = 0.02;

  private final String name;
  private final Long configuredRequestsPerMinute;
  private final Long configuredTokensPerMinute;
  private Long clusterRequestsPerMinute; // configured, or announced by the backend
  private Long clusterTokensPerMinute;
  private double share = 1; // of the limits above, this node's part (see ClusterShares)
  private RateBucket requests; // this node's share of the limits above; null when there is none
  private RateBucket tokens;

  LearnedLimits(String name, LimitsConfig limits, long now) {
    this.name = name;
    this.configuredRequestsPerMinute = limits.requestsPerMinute() == null ? null : (long) limits.requestsPerMinute();
    this.configuredTokensPerMinute = limits.tokensPerMinute() == null ? null : (long) limits.tokensPerMinute();
    clusterRequestsPerMinute = configuredRequestsPerMinute;
    clusterTokensPerMinute = configuredTokensPerMinute;
    rebuildBuckets(true, now);
  }

  /** The bucket of requests per minute, or null when no such limit is known. */
  synchronized RateBucket requests() {
    return requests;
  }

  /** The bucket of tokens per minute, or null when no such limit is known. */
  synchronized RateBucket tokens() {
    return tokens;
  }

  /**
   * The limits hold for all nodes sharing the database together: this one keeps to {@code share} (0 to 1)
   * of them from now on.
   */
  synchronized void holdShare(double share, long now) {
    if (share == this.share) return;
    this.share = share;
    if (requests != null) requests.setRate(perMinute(clusterRequestsPerMinute), now);
    if (tokens != null) tokens.setRate(perMinute(clusterTokensPerMinute), now);
  }

  /**
   * The largest part of a cluster-wide limit this node used in the last {@code windowMillis} (requests or
   * tokens per minute; 0 with neither), counted from what its buckets gave out since this was last asked.
   */
  synchronized double usedSinceLastAsked(long windowMillis) {
    double used = 0;
    if (requests != null) used = requests.takenSinceLastAsked() / perWindow(clusterRequestsPerMinute, windowMillis);
    if (tokens != null) {
      used = Math.max(used, tokens.takenSinceLastAsked() / perWindow(clusterTokensPerMinute, windowMillis));
    }
    return used;
  }

  private static double perWindow(long perMinute, long windowMillis) {
    return Math.max(1e-9, perMinute * (1 - RATE_MARGIN) * windowMillis / 60_000.0);
  }

  /** Nothing may be taken from either bucket before {@code until} (a pause the backend asked for). */
  synchronized void emptyUntil(long until, long now) {
    if (requests != null) requests.emptyUntil(until, now);
    if (tokens != null) tokens.emptyUntil(until, now);
  }

  /**
   * Keeps to the limits a backend announces where none are configured or the configured ones are higher
   * (wrong), and never believes it has more left than it says. Returns how long the backend must be paused
   * because a limit is used up (until its reset), or null.
   */
  synchronized Duration learn(RateLimitHeaders h, long now) {
    if (h == RateLimitHeaders.NONE) return null;
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
    Duration pause = null;
    if (requests != null && h.remainingRequests() != null) {
      requests.atMost(h.remainingRequests(), now);
      if (h.remainingRequests() == 0) pause = longer(pause, h.resetRequests());
    }
    if (tokens != null && h.remainingTokens() != null) {
      tokens.atMost(h.remainingTokens(), now);
      if (h.remainingTokens() == 0) pause = longer(pause, h.resetTokens());
    }
    return pause;
  }

  private static Duration longer(Duration a, Duration b) {
    if (a == null) return b;
    return b == null || a.compareTo(b) >= 0 ? a : b;
  }

  /** The limit to keep: the configured one, unless the backend announces a lower one; null when neither is known. */
  static Long keptLimit(Long configured, Long announced) {
    if (announced == null) return configured;
    return configured == null ? announced : Math.min(configured, announced);
  }

  /**
   * New buckets for the limits as they stand. Only the first ones start {@code full}: a change comes from
   * the backend announcing its limits (often on a 429), and a bucket that started full then would send a
   * burst at a backend that has nothing left.
   */
  private void rebuildBuckets(boolean full, long now) {
    requests = bucket(clusterRequestsPerMinute, full, now);
    tokens = bucket(clusterTokensPerMinute, full, now);
  }

  private RateBucket bucket(Long clusterPerMinute, boolean full, long now) {
    if (clusterPerMinute == null) return null;
    return new RateBucket(perMinute(clusterPerMinute), full, now);
  }

  /** This node's rate of a cluster-wide limit: its share, less the margin; one a minute at least. */
  private double perMinute(long clusterPerMinute) {
    return Math.max(1.0, clusterPerMinute * (1 - RATE_MARGIN) * share);
  }
}
