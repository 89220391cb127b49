package dev.barge.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.barge.config.LimitsConfig;
import dev.barge.cost.Usage;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.RateLimitHeaders;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What a backend's gate admits, with time passed in by hand. */
class BackendGateTest {
  private static final String OK = "{}";

  @Test
  void requestsPerMinuteAdmitHalfASecondsWorthThenTheSteadyRateKeptJustBelowTheLimit() {
    BackendGate gate = new BackendGate("b", 64, new LimitsConfig(6000, null, 64), 0);
    assertThat(gate.admissible(0)).isEqualTo(49); // 98 a second (6,000 a minute less the margin): half a second's worth
    gate.started(49, 0);
    assertThat(gate.admissible(0)).isZero();
    assertThat(gate.admissible(100)).isEqualTo(10); // 9.8 in 100 ms, rounded up (the bucket may go into debt)
    gate.started(10, 100);
    for (int i = 0; i < 59; i++) gate.ended();
    assertThat(gate.admissible(10_100)).isEqualTo(49); // refilled to the burst, no more
  }

  @Test
  void eachLiveNodeKeepsToItsShareOfTheLimits() {
    BackendGate gate = new BackendGate("b", 64, new LimitsConfig(600, null, 64), 0);
    gate.shareAmong(2, 0);
    assertThat(gate.admissible(0)).isZero(); // a new share starts from an empty bucket
    assertThat(gate.admissible(5_000)).isEqualTo(3); // 294 a minute here (300 less the margin): 2.45 in half a second
    BackendGate byConcurrency = new BackendGate("c", 64, new LimitsConfig(null, null, 64), 0);
    byConcurrency.shareAmong(3, 0);
    assertThat(byConcurrency.admissible(0)).isEqualTo(22);
  }

  @Test
  void aRateLimitsRetryAfterPausesEverythingAndTheEndOfThePauseReleasesNoBurst() {
    BackendGate gate = new BackendGate("b", 8, new LimitsConfig(6000, null, 8), 0);
    gate.started(1, 0);
    gate.ended();
    gate.observe(new Outcome.RateLimited(429, OK, null, Duration.ofSeconds(2)), null, Usage.ZERO, 100);
    assertThat(gate.admissible(1_000)).isZero();
    assertThat(gate.admissible(2_100)).isZero(); // the bucket starts from empty when the pause ends
    assertThat(gate.admissible(2_150)).isEqualTo(5); // then fills at the steady rate
    assertThat(gate.concurrencyLimit()).isEqualTo(8); // one 429 is no overload
  }

  @Test
  void isolatedOverloadAnswersAmongSuccessesNeitherShrinkNorPauseTheBackend() {
    BackendGate gate = new BackendGate("b", 64, new LimitsConfig(null, null, 64), 0);
    for (int i = 0; i < 1_000; i++) {
      long now = i * 10L;
      gate.started(1, now);
      gate.ended();
      Outcome outcome = i % 25 == 0 ? new Outcome.Retryable(503, OK, null, Duration.ofSeconds(1))
          : i % 50 == 7 ? new Outcome.RateLimited(429, OK, null, null)
          : i % 33 == 0 ? new Outcome.TransportFailure("connection reset")
          : new Outcome.Success(200, OK, null);
      gate.observe(outcome, null, Usage.ZERO, now);
    }
    assertThat(gate.concurrencyLimit()).isEqualTo(64);
    assertThat(gate.admissible(10_000)).isEqualTo(64);
    assertThat(gate.circuit(10_000)).isEqualTo("closed");
  }

  @Test
  void mostAnswersOverloadedHalvesTheLimitOncePerSecondAndA503sRetryAfterPausesTheBackend() {
    BackendGate gate = new BackendGate("b", 64, new LimitsConfig(null, null, 64), 0);
    for (int i = 0; i < 10; i++) {
      gate.started(1, i);
      gate.ended();
      Outcome outcome = i % 2 == 0 ? new Outcome.Retryable(503, OK, null, Duration.ofSeconds(1))
          : new Outcome.Success(200, OK, null);
      gate.observe(outcome, null, Usage.ZERO, i);
    }
    assertThat(gate.concurrencyLimit()).isEqualTo(32); // halved once within the second
    assertThat(gate.admissible(500)).isZero(); // paused for the Retry-After
    for (int i = 0; i < 6; i++) {
      gate.started(1, 1_100);
      gate.ended();
      gate.observe(new Outcome.RateLimited(429, OK, null, null), null, Usage.ZERO, 1_100);
    }
    assertThat(gate.concurrencyLimit()).isEqualTo(16); // and again a second later
  }

  @Test
  void announcedLimitsAreAdoptedAndAUsedUpLimitWaitsForItsReset() {
    BackendGate gate = new BackendGate("b", 64, new LimitsConfig(null, null, 64), 0);
    assertThat(gate.admissible(0)).isEqualTo(64);
    gate.started(1, 0);
    gate.ended();
    RateLimitHeaders announced = new RateLimitHeaders(120L, 0L, Duration.ofSeconds(3), null, null, null);
    gate.observe(new Outcome.Success(200, OK, null, announced), null, Usage.ZERO, 10);
    assertThat(gate.admissible(2_000)).isZero();
    assertThat(gate.admissible(2_990)).isZero();
    assertThat(gate.admissible(3_020)).isEqualTo(1); // then it fills from empty, at 120 a minute less the margin
  }

  @Test
  void aBackendThatStopsAnsweringIsOpenedThenProbed() {
    BackendGate gate = new BackendGate("b", 8, new LimitsConfig(null, null, 8), 0);
    for (int i = 0; i < CircuitBreaker.FAILURES_TO_OPEN; i++) {
      gate.started(1, 0);
      gate.ended();
      gate.observe(new Outcome.TransportFailure("refused"), null, Usage.ZERO, 0);
    }
    assertThat(gate.admissible(1_000)).isZero();
    assertThat(gate.admissible(5_000)).isEqualTo(1);
  }

  @Test
  void aLowerAnnouncedLimitWinsOverAWrongConfiguredOneButNotAHigherOne() {
    BackendGate tooHigh = new BackendGate("b", 64, new LimitsConfig(1_200, null, 64), 0);
    assertThat(tooHigh.admissible(0)).isEqualTo(10); // 1,176 a minute: 9.8 in half a second
    tooHigh.started(1, 0);
    tooHigh.ended();
    tooHigh.observe(new Outcome.Success(200, OK, null, new RateLimitHeaders(600L, 500L, null, null, null, null)),
        null, Usage.ZERO, 0);
    assertThat(tooHigh.admissible(0)).isZero(); // a new limit starts from an empty bucket
    assertThat(tooHigh.admissible(10_000)).isEqualTo(5); // 588 a minute: 4.9 in half a second

    BackendGate modest = new BackendGate("c", 64, new LimitsConfig(300, null, 64), 0);
    modest.started(1, 0);
    modest.ended();
    modest.observe(new Outcome.Success(200, OK, null, new RateLimitHeaders(600L, 500L, null, null, null, null)),
        null, Usage.ZERO, 1_000);
    assertThat(modest.admissible(10_000)).isEqualTo(3); // its own 294 a minute: 2.45 in half a second
  }

  @Test
  void aProbeThatGetsAnyAnswerClosesTheBreakerAndOneWithoutAnOutcomeIsSentAgain() {
    BackendGate gate = new BackendGate("b", 8, new LimitsConfig(null, null, 8), 0);
    for (int i = 0; i < CircuitBreaker.FAILURES_TO_OPEN; i++) {
      gate.started(1, 0);
      gate.ended();
      gate.observe(new Outcome.TransportFailure("refused"), null, Usage.ZERO, 0);
    }
    gate.started(1, 5_000); // the probe, whose body could not be read
    gate.endedUnobserved();
    gate.ended();
    assertThat(gate.admissible(5_001)).isEqualTo(1); // probed again
    gate.started(1, 5_001);
    gate.ended();
    gate.observe(new Outcome.RateLimited(429, OK, null, null), null, Usage.ZERO, 5_002);
    assertThat(gate.admissible(7_000)).isGreaterThan(1); // answered, so up: closed
  }

  @Test
  void callsThatCouldNotBeSubmittedGiveTheirSlotsBack() {
    BackendGate gate = new BackendGate("b", 4, new LimitsConfig(60, null, 4), 0);
    long held = gate.started(1, 0);
    gate.notStarted(1, held, 0);
    assertThat(gate.admissible(0)).isEqualTo(1); // the one request of this second is back too
  }
}
