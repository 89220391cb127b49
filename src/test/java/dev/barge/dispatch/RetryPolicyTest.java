package dev.barge.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.barge.upstream.Outcome;
import dev.barge.upstream.RateLimitHeaders;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private final RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(1), new Random(7));

  @Test
  void rateLimitsServerErrorsGarbledAnswersAndTransportFailuresAreRetried() {
    assertThat(policy.nextDelay(1, new Outcome.RateLimited(429, "{}", null, null))).isPresent();
    assertThat(policy.nextDelay(1, new Outcome.Retryable(503, "{}", null, null))).isPresent();
    assertThat(policy.nextDelay(1, new Outcome.TransportFailure("reset"))).isPresent();
    assertThat(policy.nextDelay(1, new Outcome.Garbled(200, "{\"id\":", null, RateLimitHeaders.NONE))).isPresent();
  }

  @Test
  void otherClientErrorsAndSuccessAreFinal() {
    assertThat(policy.nextDelay(1, new Outcome.Rejected(400, "{}", null))).isEmpty();
    assertThat(policy.nextDelay(1, new Outcome.Success(200, "{}", null))).isEmpty();
  }

  @Test
  void attemptsStopAtTheCap() {
    assertThat(policy.nextDelay(4, new Outcome.TransportFailure("x"))).isPresent();
    assertThat(policy.nextDelay(5, new Outcome.TransportFailure("x"))).isEmpty();
  }

  @Test
  void fullJitterStaysUnderTheExponentialCeiling() {
    for (int attempt = 1; attempt <= 4; attempt++) {
      long ceiling = Math.min(1000, 100L << (attempt - 1));
      for (int i = 0; i < 200; i++) {
        Duration d = policy.nextDelay(attempt, new Outcome.TransportFailure("x")).orElseThrow();
        assertThat(d.toMillis()).isBetween(0L, ceiling);
      }
    }
  }

  @Test
  void aHealthyBackendsOddFaultIsRetriedWithinTheFirstStepHoweverOftenItFailed() {
    for (int attempt = 1; attempt < 5; attempt++) { // the policy allows 5 attempts
      for (int i = 0; i < 50; i++) {
        Duration d = policy.nextDelay(attempt, new Outcome.Retryable(500, "{}", null, null), true).orElseThrow();
        assertThat(d.toMillis()).isBetween(0L, 100L);
      }
    }
    Duration asked = Duration.ofSeconds(2);
    assertThat(policy.nextDelay(4, new Outcome.Retryable(503, "{}", null, asked), true)).contains(asked);
  }

  @Test
  void retryAfterIsNeverUndercut() {
    Duration asked = Duration.ofSeconds(30);
    assertThat(policy.nextDelay(1, new Outcome.RateLimited(429, "{}", null, asked))).contains(asked);
  }
}
