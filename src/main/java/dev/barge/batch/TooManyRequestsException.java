package dev.barge.batch;

import java.time.Duration;

/** The caller is over a rate limit; trying again after {@code retryAfter} can succeed. */
public final class TooManyRequestsException extends RuntimeException {
  private final Duration retryAfter;

  public TooManyRequestsException(String message, Duration retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
