package dev.barge.upstream;

import java.time.Duration;

/**
 * How one upstream attempt ended. HTTP answers are values; only the caller decides whether to retry.
 *
 * <p>Classification follows the retry rule of the design: 2xx with one JSON object succeeded; 2xx with
 * anything else was garbled on the way and is worth another try; 429 is rate limited; 408 and 5xx are
 * worth another try; any other status is the backend's final word.
 */
public sealed interface Outcome {

  /** The backend answered with an HTTP status and body. */
  sealed interface Answered extends Outcome {
    int status();

    /** The raw response body (normally JSON). */
    String body();

    /** The backend's {@code x-request-id}, or null. */
    String requestId();

    /** What the backend said about its rate limits. */
    RateLimitHeaders limits();
  }

  record Success(int status, String body, String requestId, RateLimitHeaders limits) implements Answered {
    public Success(int status, String body, String requestId) {
      this(status, body, requestId, RateLimitHeaders.NONE);
    }
  }

  /**
   * 2xx whose body is not one JSON object: cut off or mangled on the way (a proxy, a dropped connection).
   * Not a result; worth another try like a 5xx.
   */
  record Garbled(int status, String body, String requestId, RateLimitHeaders limits) implements Answered {}

  /** 429. {@code retryAfter} is what the backend asked for, or null. */
  record RateLimited(int status, String body, String requestId, Duration retryAfter, RateLimitHeaders limits)
      implements Answered {
    public RateLimited(int status, String body, String requestId, Duration retryAfter) {
      this(status, body, requestId, retryAfter, RateLimitHeaders.NONE);
    }
  }

  /** 408 or 5xx: the backend may succeed on another attempt. */
  record Retryable(int status, String body, String requestId, Duration retryAfter, RateLimitHeaders limits)
      implements Answered {
    public Retryable(int status, String body, String requestId, Duration retryAfter) {
      this(status, body, requestId, retryAfter, RateLimitHeaders.NONE);
    }
  }

  /** Any other status: sending the same request again would get the same answer. */
  record Rejected(int status, String body, String requestId, RateLimitHeaders limits) implements Answered {
    public Rejected(int status, String body, String requestId) {
      this(status, body, requestId, RateLimitHeaders.NONE);
    }
  }

  /** No HTTP answer at all: timeout, refused or reset connection. Worth another try. */
  record TransportFailure(String reason) implements Outcome {}

  static Outcome classify(int status, String body, String requestId, Duration retryAfter, RateLimitHeaders limits) {
    if (status >= 200 && status < 300) {
      return JsonBodies.isOneObject(body) ? new Success(status, body, requestId, limits)
          : new Garbled(status, body, requestId, limits);
    }
    if (status == 429) return new RateLimited(status, body, requestId, retryAfter, limits);
    if (status == 408 || status >= 500) return new Retryable(status, body, requestId, retryAfter, limits);
    return new Rejected(status, body, requestId, limits);
  }
}
