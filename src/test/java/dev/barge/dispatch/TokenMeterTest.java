package dev.barge.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.barge.cost.TokenEstimate;
import dev.barge.cost.Usage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How calls are held against, charged to and corrected in a tokens bucket, with time stopped at 0. */
class TokenMeterTest {
  /** A prompt of ten token ids (counted one each, no vocabulary needed) asking for at most 50 tokens out. */
  private static final byte[] TEN_IN_FIFTY_OUT =
      "{\"input\":[1,2,3,4,5,6,7,8,9,10],\"max_tokens\":50}".getBytes(StandardCharsets.UTF_8);

  /** 60,000 a minute is one a millisecond: a burst of 500, and no refill while time stands still. */
  private final RateBucket bucket = new RateBucket(60_000, true, 0);
  private final TokenMeter meter = new TokenMeter(() -> bucket, 100);

  @Test
  void beforeAnyCallWasCountedAClaimHoldsTheDefaultOutputPerCall() {
    assertThat(meter.counts()).isTrue();
    assertThat(meter.admissibleCalls(0)).isEqualTo(1); // no average yet: one at a time
    assertThat(meter.hold(2, 0)).isEqualTo(100);
    assertThat(bucket.available(0)).isEqualTo(300);
  }

  @Test
  void aCallsOwnCountReplacesWhatItWasHeldForAndBecomesTheAverage() {
    meter.hold(1, 0);
    TokenEstimate estimate = meter.charge(TEN_IN_FIFTY_OUT, true, 100, 0);
    assertThat(estimate).isEqualTo(new TokenEstimate(10, 50));
    assertThat(bucket.available(0)).isEqualTo(440); // 500 - 100 held + 40 given back
    assertThat(meter.averagePerCall()).isEqualTo(60);
    assertThat(meter.admissibleCalls(0)).isEqualTo(7); // 440 / 60
    assertThat(meter.hold(1, 0)).isEqualTo(60);
    assertThat(bucket.available(0)).isEqualTo(380);
  }

  @Test
  void theBackendsLargerPromptCountIsTakenAndScalesTheNextCounts() {
    TokenEstimate estimate = meter.charge(TEN_IN_FIFTY_OUT, true, 0, 0);
    assertThat(bucket.available(0)).isEqualTo(440);
    meter.correct(estimate, new Usage(30, 0, 45, 0, 75), 0);
    assertThat(bucket.available(0)).isEqualTo(420); // the 20 prompt tokens Barge did not count
    meter.charge(TEN_IN_FIFTY_OUT, true, 0, 0);
    assertThat(bucket.available(0)).isEqualTo(359); // 11 prompt tokens now (scale 1.1), 50 out
  }

  @Test
  void aSmallerCountByTheBackendGivesNothingBack() {
    TokenEstimate estimate = meter.charge(TEN_IN_FIFTY_OUT, true, 0, 0);
    meter.correct(estimate, new Usage(4, 0, 45, 0, 49), 0);
    meter.correct(estimate, Usage.ZERO, 0); // no usage reported: nothing to learn
    assertThat(bucket.available(0)).isEqualTo(440);
  }

  @Test
  void anUnreadableBodyCountsForItsOutputBudgetAlone() {
    TokenEstimate estimate = meter.charge("not json".getBytes(StandardCharsets.UTF_8), true, 0, 0);
    assertThat(estimate).isEqualTo(new TokenEstimate(0, 100));
    assertThat(bucket.available(0)).isEqualTo(400);
  }

  @Test
  void callsThatNeverStartGiveTheirHeldTokensBack() {
    long held = meter.hold(3, 0);
    meter.release(2, held, 0);
    assertThat(bucket.available(0)).isEqualTo(400);
  }

  @Test
  void anEmptyOrIndebtedBucketAdmitsNoCall() {
    meter.charge(TEN_IN_FIFTY_OUT, true, 0, 0);
    bucket.take(440, 0);
    assertThat(meter.admissibleCalls(0)).isZero();
    bucket.take(100, 0);
    assertThat(meter.admissibleCalls(99)).isZero(); // still in debt
    assertThat(meter.admissibleCalls(130)).isEqualTo(1); // 30 left: less than a call, but one starts
  }

  @Test
  void withoutATokensLimitNothingIsCountedOrHeld() {
    TokenMeter unlimited = new TokenMeter(() -> null, 100);
    assertThat(unlimited.counts()).isFalse();
    assertThat(unlimited.hold(5, 0)).isZero();
    assertThat(unlimited.admissibleCalls(0)).isEqualTo(Long.MAX_VALUE);
  }
}
