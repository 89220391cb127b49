package dev.barge.dispatch;

import static dev.barge.dispatch.BackendGateTest.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.barge.config.LimitsConfig;
import dev.barge.cost.Usage;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.RateLimitHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A backend's tokens per minute through its gate: what a claim holds, what a call's permit charges and
 * corrects, and what the backend announces. 60,000 a minute less the 2 % margin is 0.98 a millisecond, a
 * burst of 490.
 */
class BackendGateTokensTest {
  private static final String OK = "{}";
  private static final byte[] TEN_IN_FIFTY_OUT =
      "{\"input\":[1,2,3,4,5,6,7,8,9,10],\"max_tokens\":50}".getBytes(StandardCharsets.UTF_8);

  @Test
  void aPermitChargesItsEstimateOnStartAndTheRealUsageCorrectsIt() {
    BackendGate gate = new BackendGate("b", 64, new LimitsConfig(null, 60_000, 64, 100), 0);
    assertThat(gate.admissible(0)).isEqualTo(1); // nothing counted yet: one call at a time
    try (Permit permit = start(gate, 1, 0).getFirst()) { // held for the default output: 390 left
      assertThat(gate.admissible(0)).isEqualTo(1);
      permit.charge(TEN_IN_FIFTY_OUT, true, 0); // counted 60: 430 left
      assertThat(gate.admissible(0)).isEqualTo(7); // 430 / 60
      permit.observe(new Outcome.Success(200, OK, null), new Usage(130, 0, 40, 0, 170), 0);
    }
    assertThat(gate.admissible(0)).isEqualTo(5); // the 120 prompt tokens Barge did not count: 310 / 60
  }

  @Test
  void anAnswerWithoutTheCountedEstimateCorrectsNothing() {
    BackendGate gate = new BackendGate("b", 64, new LimitsConfig(null, 60_000, 64, 100), 0);
    try (Permit counted = start(gate, 1, 0).getFirst()) {
      counted.charge(TEN_IN_FIFTY_OUT, true, 0);
    }
    try (Permit uncounted = start(gate, 1, 0).getFirst()) { // held for the average: 370 left
      uncounted.observe(new Outcome.Success(200, OK, null), new Usage(130, 0, 40, 0, 170), 0);
    }
    assertThat(gate.admissible(0)).isEqualTo(6); // 370 / 60
  }

  @Test
  void anEmptyTokenBucketPausesBatchWorkButNotSynchronousCalls() {
    BackendGate gate = new BackendGate("b", 64, new LimitsConfig(null, 60_000, 64, 1_000), 0);
    start(gate, 1, 0); // held for 1,000 tokens: 510 in debt
    assertThat(gate.admissible(0)).isZero();
    assertThat(gate.admissible(500)).isZero(); // 20 in debt still
    assertThat(gate.tryStart(Priority.INTERACTIVE, 500)).isNotNull(); // never held back by tokens
    assertThat(gate.admissible(530)).isEqualTo(1); // paid off: one call at a time until calls are counted
  }

  @Test
  void aLearnedTokensLimitIsMeteredFromEmptyAndAUsedUpOneWaitsForItsReset() {
    BackendGate gate = new BackendGate("b", 64, new LimitsConfig(null, null, 64, 100), 0);
    assertThat(gate.tokens().counts()).isFalse();
    RateLimitHeaders announced = new RateLimitHeaders(null, null, null, 60_000L, 0L, Duration.ofSeconds(2));
    try (Permit permit = start(gate, 1, 10).getFirst()) {
      permit.observe(new Outcome.Success(200, OK, null, announced), Usage.ZERO, 10);
    }
    assertThat(gate.tokens().counts()).isTrue();
    assertThat(gate.admissible(1_000)).isZero(); // paused until the reset
    assertThat(gate.admissible(2_010)).isZero(); // then the bucket starts from empty
    assertThat(gate.admissible(2_110)).isEqualTo(1); // 98 tokens: a call
  }

  @Test
  void aLowerAnnouncedTokensLimitWinsOverTheConfiguredOne() {
    BackendGate gate = new BackendGate("b", 64, new LimitsConfig(null, 600_000, 64, 100), 0);
    try (Permit permit = start(gate, 1, 0).getFirst()) {
      permit.charge(TEN_IN_FIFTY_OUT, true, 0);
      permit.observe(new Outcome.Success(200, OK, null,
          new RateLimitHeaders(null, null, null, 60_000L, 50_000L, null)), Usage.ZERO, 0);
    }
    assertThat(gate.admissible(0)).isZero(); // a new limit starts from an empty bucket
    assertThat(gate.admissible(10_000)).isEqualTo(8); // 490 (not 4,900) in half a second: 490 / 60
  }
}
