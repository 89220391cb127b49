package dev.barge.upstream.simulator;

import dev.barge.config.SimulatorLimitHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;

/**
 * The requests- and tokens-per-minute limits the simulator enforces, announced in headers the way OpenAI
 * announces them ({@code x-ratelimit-*}, resets as durations) or, on the Messages API, the way Anthropic
 * does ({@code anthropic-ratelimit-*}, resets as RFC 3339 times).
 */
final class RateLimits {
  private static final Decision UNLIMITED = new Decision(true, null, null, Duration.ZERO, false, Map.of());

  private final Clock clock;
  private final TokenBucket requests;
  private final TokenBucket tokens;
  private final SimulatorLimitHeaders announce;

  /**
   * @param limitType {@code requests} or {@code tokens} when refused, else null
   * @param retryAfter how long until the request would fit; zero when admitted
   * @param tooLarge the request needs more tokens than a whole minute allows, so it never fits
   * @param headers the rate-limit headers of the configured limits
   */
  record Decision(boolean admitted, String limitType, String message, Duration retryAfter, boolean tooLarge,
      Map<String, String> headers) {}

  /** A null limit is not enforced; each bucket holds {@code burstSeconds} of its rate. */
  RateLimits(Integer requestsPerMinute, Integer tokensPerMinute, int burstSeconds, SimulatorLimitHeaders announce,
      Clock clock) {
    this.clock = clock;
    this.announce = announce;
    Instant now = clock.instant();
    this.requests = requestsPerMinute == null ? null : new TokenBucket(requestsPerMinute, burstSeconds, now);
    this.tokens = tokensPerMinute == null ? null : new TokenBucket(tokensPerMinute, burstSeconds, now);
  }

  /**
   * Admits a request costing one request and {@code tokenCost} tokens if both fit, taking them from the
   * buckets; {@code anthropic} picks Anthropic's headers.
   */
  Decision acquire(long tokenCost, boolean anthropic) {
    if (requests == null && tokens == null) return UNLIMITED;
    synchronized (this) {
      Instant now = clock.instant();
      if (requests != null) requests.refill(now);
      if (tokens != null) tokens.refill(now);
      Duration requestWait = requests == null ? Duration.ZERO : requests.timeUntil(1);
      Duration tokenWait = tokens == null ? Duration.ZERO : tokens.timeUntil(tokenCost);
      if (requestWait.isZero() && tokenWait.isZero()) {
        if (requests != null) requests.take(1);
        if (tokens != null) tokens.take(tokenCost);
        Map<String, String> headers = announce == SimulatorLimitHeaders.ALWAYS ? headers(now, anthropic) : Map.of();
        return new Decision(true, null, null, Duration.ZERO, false, headers);
      }
      if (tokens != null && tokenCost > tokens.capacity()) {
        // Waiting never helps; a minute is what OpenAI's clients would wait before giving up on it anyway.
        String message = "Request too large for the Barge simulator on tokens per min (TPM): Limit "
            + tokens.perMinute() + ", Requested " + tokenCost
            + ". The input or output tokens must be reduced in order to run successfully.";
        return new Decision(false, "tokens", message, Duration.ofMinutes(1), true, headers(now, anthropic));
      }
      // Report the limit that keeps the request out longest: retrying earlier would fail again.
      boolean byTokens = tokenWait.compareTo(requestWait) > 0;
      TokenBucket bucket = byTokens ? tokens : requests;
      Duration wait = byTokens ? tokenWait : requestWait;
      String message = "Rate limit reached for the Barge simulator on " + (byTokens ? "tokens per min (TPM)"
          : "requests per min (RPM)") + ": Limit " + bucket.perMinute() + ", Used "
          + (bucket.capacity() - bucket.remaining()) + ", Requested " + (byTokens ? tokenCost : 1)
          + ". Please try again in " + goDuration(wait) + ".";
      return new Decision(false, byTokens ? "tokens" : "requests", message, wait, false, headers(now, anthropic));
    }
  }

  private Map<String, String> headers(Instant now, boolean anthropic) {
    Map<String, String> headers = new HashMap<>(8);
    if (requests != null) put(headers, "requests", requests, now, anthropic);
    if (tokens != null) put(headers, "tokens", tokens, now, anthropic);
    return headers;
  }

  private static void put(Map<String, String> headers, String kind, TokenBucket bucket, Instant now,
      boolean anthropic) {
    String limit = Long.toString(bucket.perMinute());
    String remaining = Long.toString(bucket.remaining());
    if (anthropic) {
      String prefix = "anthropic-ratelimit-" + kind;
      headers.put(prefix + "-limit", limit);
      headers.put(prefix + "-remaining", remaining);
      // Whole seconds, as Anthropic sends them: rounded up, so the bucket is full by then.
      Instant full = now.plusMillis(ceilMillis(bucket.timeUntilFull()));
      headers.put(prefix + "-reset", DateTimeFormatter.ISO_INSTANT.format(
          full.getNano() == 0 ? full : full.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1)));
    } else {
      headers.put("x-ratelimit-limit-" + kind, limit);
      headers.put("x-ratelimit-remaining-" + kind, remaining);
      headers.put("x-ratelimit-reset-" + kind, goDuration(bucket.timeUntilFull()));
    }
  }

  /** A reset time as OpenAI writes it, in Go's style: {@code 12ms}, {@code 1s}, {@code 2s81ms}, {@code 6m0s}. */
  static String goDuration(Duration duration) {
    long ms = ceilMillis(duration);
    if (ms == 0) return "0s";
    if (ms < 1000) return ms + "ms";
    long hours = ms / 3_600_000;
    long minutes = ms / 60_000 % 60;
    StringBuilder text = new StringBuilder();
    if (hours > 0) text.append(hours).append('h');
    if (hours > 0 || minutes > 0) text.append(minutes).append('m');
    text.append(ms / 1000 % 60).append('s');
    if (ms % 1000 > 0) text.append(ms % 1000).append("ms");
    return text.toString();
  }

  static long ceilMillis(Duration duration) {
    return (duration.toNanos() + 999_999) / 1_000_000;
  }
}
