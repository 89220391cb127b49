package dev.barge.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A rate bucket at 60,000 a minute: one a millisecond (exact in binary), a burst of half a second (500). */
class RateBucketTest {
  @Test
  void aFullBucketHoldsHalfASecondsWorthAndAnEmptyOneNothing() {
    assertThat(new RateBucket(60_000, true, 0).available(0)).isEqualTo(500);
    assertThat(new RateBucket(60_000, false, 0).available(0)).isZero();
  }

  @Test
  void refillsAtTheSteadyRateUpToTheBurstOnly() {
    RateBucket bucket = new RateBucket(60_000, false, 0);
    assertThat(bucket.available(100)).isEqualTo(100);
    assertThat(bucket.available(60_000)).isEqualTo(500);
  }

  @Test
  void aTakeLargerThanWhatIsLeftGoesIntoDebtThatLaterTakesWait() {
    RateBucket bucket = new RateBucket(60_000, true, 0);
    bucket.take(800, 0);
    assertThat(bucket.available(0)).isZero();
    assertThat(bucket.available(300)).isZero(); // 300 in debt paid off exactly
    assertThat(bucket.available(301)).isEqualTo(1); // a part of a unit counts as one
  }

  @Test
  void aSlowRateStillHoldsOneWholeUnit() {
    RateBucket bucket = new RateBucket(60, true, 0); // one a second: half a unit in half a second
    assertThat(bucket.available(0)).isEqualTo(1);
    bucket.take(1, 0);
    assertThat(bucket.available(999)).isEqualTo(1); // 0.999 rounds up
    assertThat(bucket.available(60_000)).isEqualTo(1);
  }

  @Test
  void whatTheBackendSaysIsLeftCapsTheBucket() {
    RateBucket bucket = new RateBucket(60_000, true, 0);
    bucket.atMost(7, 0);
    assertThat(bucket.available(0)).isEqualTo(7);
    bucket.atMost(20, 0);
    assertThat(bucket.available(0)).isEqualTo(7); // never raised by it
  }

  @Test
  void aPauseEmptiesTheBucketUntilItsEndAndSavesNothingMeanwhile() {
    RateBucket bucket = new RateBucket(60_000, true, 0);
    bucket.emptyUntil(2_000, 0);
    assertThat(bucket.available(1_999)).isZero();
    assertThat(bucket.available(2_000)).isZero(); // starts from empty when the pause ends
    assertThat(bucket.available(2_100)).isEqualTo(100);
  }

  @Test
  void givingBackRestoresWhatWasTaken() {
    RateBucket bucket = new RateBucket(60_000, true, 0);
    bucket.take(300, 0);
    bucket.take(-300, 0);
    assertThat(bucket.available(0)).isEqualTo(500);
  }

  @Test
  void aNewRateKeepsWhatIsSavedUpToTheNewBurstAndADebt() {
    RateBucket bucket = new RateBucket(60_000, true, 0);
    bucket.setRate(30_000, 0);
    assertThat(bucket.available(0)).isEqualTo(250); // half a second at the new rate
    bucket.take(350, 0);
    bucket.setRate(60_000, 0);
    assertThat(bucket.available(100)).isZero(); // the debt of 100 stays
    assertThat(bucket.available(200)).isEqualTo(100);
    assertThat(bucket.takenSinceLastAsked()).isEqualTo(350);
    assertThat(bucket.takenSinceLastAsked()).isZero();
  }
}
