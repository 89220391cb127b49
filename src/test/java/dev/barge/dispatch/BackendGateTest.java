package dev.barge.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.barge.config.LimitsConfig;
import dev.barge.store.Usage;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.RateLimitHeaders;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What a backend's gate admits, with time passed in by hand. */
class BackendGateTest {
  private static final String OK = "{}";

  @Test
  void requestsPerMinuteAdmitASecondsWorthThenTheSteadyRate() {
    BackendGate gate = new BackendGate("b", 64, new LimitsConfig(600, null, 64), 0);
    assertThat(gate.admissible(0)).isEqualTo(10);
    gate.started(10, 0);
    assertThat(gate.admissible(0)).isZero();
    assertThat(gate.admissible(500)).isEqualTo(5);
  }

  @Test
  void eachLiveNodeKeepsToItsShareOfTheLimits() {
    BackendGate gate = new BackendGate("b", 64, new LimitsConfig(600, null, 64), 0);
    gate.shareAmong(2, 0);
    assertThat(gate.admissible(0)).isEqualTo(5); // 300 a minute here: a second's worth is 5
    BackendGate byConcurrency = new BackendGate("c", 64, new LimitsConfig(null, null, 64), 0);
    byConcurrency.shareAmong(3, 0);
    assertThat(byConcurrency.admissible(0)).isEqualTo(22);
  }

  @Test
  void aRetryAfterPausesEverything() {
    BackendGate gate = new BackendGate("b", 8, new LimitsConfig(null, null, 8), 0);
    gate.started(1, 0);
    gate.ended();
    gate.observe(new Outcome.RateLimited(429, OK, null, Duration.ofSeconds(2)), null, Usage.ZERO, 100);
    assertThat(gate.admissible(1_000)).isZero();
    assertThat(gate.admissible(2_100)).isEqualTo(4); // and the concurrency limit was halved
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
    assertThat(gate.admissible(3_010)).isEqualTo(2); // 120 a minute: a second's worth is 2
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
    assertThat(tooHigh.admissible(0)).isEqualTo(20);
    tooHigh.started(1, 0);
    tooHigh.ended();
    tooHigh.observe(new Outcome.Success(200, OK, null, new RateLimitHeaders(600L, 500L, null, null, null, null)),
        null, Usage.ZERO, 0);
    assertThat(tooHigh.admissible(0)).isEqualTo(10);

    BackendGate modest = new BackendGate("c", 64, new LimitsConfig(300, null, 64), 0);
    modest.started(1, 0);
    modest.ended();
    modest.observe(new Outcome.Success(200, OK, null, new RateLimitHeaders(600L, 500L, null, null, null, null)),
        null, Usage.ZERO, 1_000);
    assertThat(modest.admissible(1_000)).isEqualTo(5);
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
