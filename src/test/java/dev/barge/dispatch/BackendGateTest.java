package dev.barge.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.barge.config.LimitsConfig;
import dev.barge.cost.Usage;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.RateLimitHeaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** What a backend's gate admits, with time passed in by hand. */
class BackendGateTest {
  private static final String OK = "{}";

  /** Starts {@code n} batch calls at {@code now}, as one claim does, and hands back their permits. */
  static List<Permit> start(BackendGate gate, int n, long now) {
    List<Permit> permits = new ArrayList<>();
    try (BatchGrant grant = gate.start(n, now)) {
      for (int i = 0; i < n; i++) grant.handOut(permits::add);
    }
    return permits;
  }

  /** One batch call started at {@code now} that ends with {@code outcome}. */
  static void call(BackendGate gate, Outcome outcome, long now) {
    try (Permit permit = start(gate, 1, now).getFirst()) {
      permit.observe(outcome, Usage.ZERO, now);
    }
  }

  @Test
  void requestsPerMinuteAdmitHalfASecondsWorthThenTheSteadyRateKeptJustBelowTheLimit() {
    BackendGate gate = new BackendGate("b", 64, new LimitsConfig(6000, null, 64), 0);
    assertThat(gate.admissible(0)).isEqualTo(49); // 98 a second (6,000 a minute less the margin): half a second's worth
    List<Permit> permits = start(gate, 49, 0);
    assertThat(gate.admissible(0)).isZero();
    assertThat(gate.admissible(100)).isEqualTo(10); // 9.8 in 100 ms, rounded up (the bucket may go into debt)
    permits.addAll(start(gate, 10, 100));
    assertThat(gate.inFlight()).isEqualTo(59);
    permits.forEach(Permit::close);
    assertThat(gate.inFlight()).isZero();
    assertThat(gate.admissible(10_100)).isEqualTo(49); // refilled to the burst, no more
  }

  /** Batch calls started at {@code start} and answered {@code millis} later, which teach the gate its typical time. */
  private static void answerIn(BackendGate gate, int calls, long start, long millis) {
    for (Permit permit : start(gate, calls, start)) {
      try (permit) {
        permit.observe(new Outcome.Success(200, OK, null), Usage.ZERO, start + millis);
      }
    }
  }

  @Test
  void callsThatRunTenTimesTheTypicalAnswerStopCountingAgainstTheLimitUpToHalfOfIt() {
    BackendGate gate = new BackendGate("b", 8, new LimitsConfig(null, null, 8), 0);
    answerIn(gate, 20, 0, 10); // typical 10 ms: a straggler after 1 s, the least
    List<Permit> stuck = start(gate, 8, 1_000);
    assertThat(gate.admissible(1_000)).isZero();
    assertThat(gate.admissible(2_000)).isZero();
    assertThat(gate.admissible(2_001)).isEqualTo(4); // 8 stragglers, but at most half the limit is not counted
    List<Permit> more = start(gate, 4, 2_001);
    assertThat(gate.inFlight()).isEqualTo(12);
    assertThat(gate.admissible(2_001)).isZero();
    stuck.removeFirst().close();
    assertThat(gate.admissible(2_001)).isEqualTo(1);
    stuck.forEach(Permit::close);
    assertThat(gate.admissible(2_001)).isEqualTo(4); // the 4 newer calls count again: they are not late
    more.forEach(Permit::close);
  }

  @Test
  void aBackendSlowAcrossTheBoardKeepsItsLimit() {
    BackendGate gate = new BackendGate("b", 8, new LimitsConfig(null, null, 8), 0);
    answerIn(gate, 20, 0, 2_000); // typical 2 s: a straggler only after 20 s
    start(gate, 8, 10_000);
    assertThat(gate.admissible(25_000)).isZero();
    assertThat(gate.admissible(30_001)).isEqualTo(4);
  }

  @Test
  void eachNodeKeepsToItsShareOfTheLimits() {
    BackendGate gate = new BackendGate("b", 64, new LimitsConfig(600, null, 64), 0);
    gate.holdShare(0.5, 0);
    assertThat(gate.admissible(0)).isEqualTo(3); // 294 a minute here (300 less the margin): 2.45 in half a second
    start(gate, 3, 0);
    assertThat(gate.admissible(1_000)).isEqualTo(3); // 4.9 a second, less the 0.55 owed
    BackendGate byConcurrency = new BackendGate("c", 64, new LimitsConfig(null, null, 64), 0);
    byConcurrency.holdShare(1 / 3.0, 0);
    assertThat(byConcurrency.admissible(0)).isEqualTo(21);
    byConcurrency.holdShare(1, 0);
    assertThat(byConcurrency.admissible(0)).isEqualTo(64); // a larger share applies at once
  }

  @Test
  void aNodeWantsWhatItUsedOfItsLimitsOrAllOfThemWhenWorkWaited() {
    BackendGate gate = new BackendGate("b", 10, new LimitsConfig(6000, null, 10), 0);
    assertThat(gate.demandSinceLastAsked(1_000)).isZero();
    start(gate, 4, 0).forEach(Permit::close); // 4 of the 98 a second the limit allows here
    assertThat(gate.demandSinceLastAsked(1_000)).isCloseTo(0.4, within(1e-9)); // 4 at once of 10 slots
    start(gate, 2, 1_000).forEach(Permit::close);
    assertThat(gate.demandSinceLastAsked(1_000)).isCloseTo(0.2, within(1e-9));
    gate.claimed(3, 3); // a claim round took every call it could: work was left
    assertThat(gate.demandSinceLastAsked(1_000)).isEqualTo(1);
    gate.claimed(1, 3); // the work ran out
    gate.noRoomToClaim();
    assertThat(gate.demandSinceLastAsked(1_000)).isCloseTo(0.0, within(1e-9));
  }

  @Test
  void aSynchronousCallHeldBackByTheShareMakesTheNodeWantAll() {
    BackendGate gate = new BackendGate("b", 2, new LimitsConfig(null, null, 2), 0);
    gate.holdShare(0.5, 0);
    try (Permit first = gate.tryStart(Priority.INTERACTIVE, 0)) {
      assertThat(first).isNotNull();
      assertThat(gate.tryStart(Priority.INTERACTIVE, 0)).isNull();
    }
    assertThat(gate.demandSinceLastAsked(2_000)).isEqualTo(1);
  }

  @Test
  void aRateLimitsRetryAfterPausesEverythingAndTheEndOfThePauseReleasesNoBurst() {
    BackendGate gate = new BackendGate("b", 8, new LimitsConfig(6000, null, 8), 0);
    call(gate, new Outcome.RateLimited(429, OK, null, Duration.ofSeconds(2)), 100);
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
      Outcome outcome = i % 25 == 0 ? new Outcome.Retryable(503, OK, null, Duration.ofSeconds(1))
          : i % 50 == 7 ? new Outcome.RateLimited(429, OK, null, null)
          : i % 33 == 0 ? new Outcome.TransportFailure("connection reset")
          : new Outcome.Success(200, OK, null);
      call(gate, outcome, now);
    }
    assertThat(gate.concurrencyLimit()).isEqualTo(64);
    assertThat(gate.admissible(10_000)).isEqualTo(64);
    assertThat(gate.circuit(10_000)).isEqualTo("closed");
  }

  @Test
  void mostAnswersOverloadedHalvesTheLimitOncePerSecondAndA503sRetryAfterPausesTheBackend() {
    BackendGate gate = new BackendGate("b", 64, new LimitsConfig(null, null, 64), 0);
    for (int i = 0; i < 10; i++) {
      Outcome outcome = i % 2 == 0 ? new Outcome.Retryable(503, OK, null, Duration.ofSeconds(1))
          : new Outcome.Success(200, OK, null);
      call(gate, outcome, i);
    }
    assertThat(gate.concurrencyLimit()).isEqualTo(32); // halved once within the second
    assertThat(gate.admissible(500)).isZero(); // paused for the Retry-After
    for (int i = 0; i < 6; i++) {
      call(gate, new Outcome.RateLimited(429, OK, null, null), 1_100);
    }
    assertThat(gate.concurrencyLimit()).isEqualTo(16); // and again a second later
  }

  @Test
  void announcedLimitsAreAdoptedAndAUsedUpLimitWaitsForItsReset() {
    BackendGate gate = new BackendGate("b", 64, new LimitsConfig(null, null, 64), 0);
    assertThat(gate.admissible(0)).isEqualTo(64);
    RateLimitHeaders announced = new RateLimitHeaders(120L, 0L, Duration.ofSeconds(3), null, null, null);
    call(gate, new Outcome.Success(200, OK, null, announced), 10);
    assertThat(gate.admissible(2_000)).isZero();
    assertThat(gate.admissible(2_990)).isZero();
    assertThat(gate.admissible(3_020)).isEqualTo(1); // then it fills from empty, at 120 a minute less the margin
  }

  @Test
  void aBackendThatStopsAnsweringIsOpenedThenProbed() {
    BackendGate gate = new BackendGate("b", 8, new LimitsConfig(null, null, 8), 0);
    for (int i = 0; i < CircuitBreaker.FAILURES_TO_OPEN; i++) {
      call(gate, new Outcome.TransportFailure("refused"), 0);
    }
    assertThat(gate.admissible(1_000)).isZero();
    assertThat(gate.admissible(5_000)).isEqualTo(1);
  }

  @Test
  void aLowerAnnouncedLimitWinsOverAWrongConfiguredOneButNotAHigherOne() {
    BackendGate tooHigh = new BackendGate("b", 64, new LimitsConfig(1_200, null, 64), 0);
    assertThat(tooHigh.admissible(0)).isEqualTo(10); // 1,176 a minute: 9.8 in half a second
    call(tooHigh, new Outcome.Success(200, OK, null, new RateLimitHeaders(600L, 500L, null, null, null, null)), 0);
    assertThat(tooHigh.admissible(0)).isZero(); // a new limit starts from an empty bucket
    assertThat(tooHigh.admissible(10_000)).isEqualTo(5); // 588 a minute: 4.9 in half a second

    BackendGate modest = new BackendGate("c", 64, new LimitsConfig(300, null, 64), 0);
    call(modest, new Outcome.Success(200, OK, null, new RateLimitHeaders(600L, 500L, null, null, null, null)), 1_000);
    assertThat(modest.admissible(10_000)).isEqualTo(3); // its own 294 a minute: 2.45 in half a second
  }

  @Test
  void aProbeThatGetsAnyAnswerClosesTheBreakerAndOneWithoutAnOutcomeIsSentAgain() {
    BackendGate gate = new BackendGate("b", 8, new LimitsConfig(null, null, 8), 0);
    for (int i = 0; i < CircuitBreaker.FAILURES_TO_OPEN; i++) {
      call(gate, new Outcome.TransportFailure("refused"), 0);
    }
    Permit probe = start(gate, 1, 5_000).getFirst(); // the probe, whose body could not be read
    assertThat(gate.admissible(5_001)).isZero(); // one probe at a time
    probe.close(); // without an outcome
    assertThat(gate.admissible(5_001)).isEqualTo(1); // probed again
    call(gate, new Outcome.RateLimited(429, OK, null, null), 5_002);
    assertThat(gate.admissible(7_000)).isGreaterThan(1); // answered, so up: closed
  }

  @Test
  void callsThatCouldNotBeSubmittedGiveTheirSlotsBack() {
    BackendGate gate = new BackendGate("b", 4, new LimitsConfig(240, null, 4), 0); // a burst of 1.96
    assertThat(gate.admissible(0)).isEqualTo(2);
    List<Permit> submitted = new ArrayList<>();
    try (BatchGrant grant = gate.start(2, 0)) {
      grant.handOut(submitted::add);
      assertThatThrownBy(() -> grant.handOut(permit -> {
        throw new RejectedExecutionException("shutting down");
      })).isInstanceOf(RejectedExecutionException.class);
    }
    assertThat(gate.inFlight()).isEqualTo(1); // the submitted call runs on
    submitted.getFirst().close();
    assertThat(gate.inFlight()).isZero();
    assertThat(gate.admissible(0)).isEqualTo(1); // the request of the call never sent is back: 0.96 left
  }

  @Test
  void aSynchronousPermitTakesASlotAndARequestAndClosingItFreesTheSlotOnly() {
    BackendGate gate = new BackendGate("b", 2, new LimitsConfig(120, null, 2), 0); // 1.96 a second: a burst of 1
    Permit permit = gate.tryStart(Priority.INTERACTIVE, 0);
    assertThat(permit).isNotNull();
    assertThat(gate.inFlight()).isEqualTo(1);
    assertThat(gate.tryStart(Priority.INTERACTIVE, 0)).isNull(); // no request left this second
    permit.observe(new Outcome.Success(200, OK, null), Usage.ZERO, 0);
    permit.close();
    permit.close(); // twice frees it once
    assertThat(gate.inFlight()).isZero();
    assertThat(gate.tryStart(Priority.INTERACTIVE, 0)).isNull(); // the request stays spent
  }

  @Test
  void aWaitingSynchronousCallHoldsBatchWorkBackOnlyUntilItsCallHasStarted() {
    BackendGate gate = new BackendGate("b", 4, 0.5, new LimitsConfig(null, null, 4), 0);
    Permit permit;
    try (SyncQueue.Place place = gate.waitFor(Priority.FLEX)) {
      assertThat(gate.waiting(Priority.FLEX)).isEqualTo(1);
      assertThat(gate.admissible(0)).isZero();
      try (SyncQueue.Place interactive = gate.waitFor(Priority.INTERACTIVE)) {
        assertThat(gate.tryStart(Priority.FLEX, 0)).isNull(); // flex gives way to interactive
      }
      permit = gate.tryStart(Priority.FLEX, 0);
    }
    assertThat(permit).isNotNull();
    assertThat(gate.waiting(Priority.FLEX)).isZero();
    assertThat(gate.admissible(0)).isEqualTo(3); // started: batch work takes what the synchronous call leaves
    permit.close();
    assertThat(gate.admissible(0)).isEqualTo(3); // one slot stays kept for the synchronous peak seen lately
    assertThat(gate.admissible(31_000)).isEqualTo(4); // until no synchronous call was seen for two periods
  }
}
