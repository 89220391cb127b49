package dev.barge.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How the concurrency limit grows, halves and judges overload over the last 50 answers. */
class AdaptiveLimitTest {
  @Test
  void startsAtItsCeilingAndNeverGrowsPastIt() {
    AdaptiveLimit limit = new AdaptiveLimit(8);
    for (int i = 0; i < 100; i++) limit.succeeded();
    assertThat(limit.current()).isEqualTo(8);
  }

  @Test
  void growsByAboutOneCallPerRoundTripsWorthOfSuccesses() {
    AdaptiveLimit limit = new AdaptiveLimit(64);
    overload(limit, 0); // 32
    overload(limit, 1_000); // 16
    assertThat(limit.current()).isEqualTo(16);
    for (int i = 0; i < 16; i++) limit.succeeded();
    assertThat(limit.current()).isEqualTo(16); // 16 successes add 1/16 each: 16.97
    limit.succeeded();
    assertThat(limit.current()).isEqualTo(17);
  }

  @Test
  void threeOverloadsAmongFewAnswersAreOverloadButAnOddOneAmongManyIsNot() {
    AdaptiveLimit limit = new AdaptiveLimit(64);
    assertThat(limit.overloaded(0)).isFalse();
    assertThat(limit.overloaded(0)).isFalse();
    assertThat(limit.overloadedNow()).isFalse(); // two are noise
    assertThat(limit.overloaded(0)).isTrue(); // the third of three: halved
    assertThat(limit.current()).isEqualTo(32);

    AdaptiveLimit busy = new AdaptiveLimit(64);
    for (int i = 0; i < 200; i++) {
      if (i % 10 == 0) {
        busy.overloaded(i * 100L); // 5 in each 50: a tenth
      } else {
        busy.succeeded();
      }
    }
    assertThat(busy.overloadedNow()).isFalse();
    assertThat(busy.current()).isEqualTo(64);
  }

  @Test
  void aFifthOfTheWindowIsOverload() {
    AdaptiveLimit limit = new AdaptiveLimit(64);
    for (int i = 0; i < AdaptiveLimit.WINDOW - 10; i++) limit.answeredOtherwise();
    for (int i = 0; i < 9; i++) limit.overloaded(0);
    assertThat(limit.overloadedNow()).isFalse(); // 9 of 49
    assertThat(limit.overloaded(0)).isTrue(); // 10 of 50: a fifth
    assertThat(limit.current()).isEqualTo(32);
  }

  @Test
  void answersOlderThanTheLast50NoLongerCount() {
    AdaptiveLimit limit = new AdaptiveLimit(64);
    for (int i = 0; i < 10; i++) limit.overloaded(0);
    for (int i = 0; i < AdaptiveLimit.WINDOW - 10; i++) limit.succeeded();
    assertThat(limit.overloadedNow()).isTrue(); // 10 of the last 50: a fifth
    limit.succeeded();
    assertThat(limit.overloadedNow()).isFalse(); // the oldest overload left the window: 9 of 50
  }

  @Test
  void halvesAtMostOncePerSecondAndNeverBelowOne() {
    AdaptiveLimit limit = new AdaptiveLimit(4);
    for (int i = 0; i < 10; i++) limit.overloaded(500);
    assertThat(limit.current()).isEqualTo(2); // one episode, one halving
    limit.overloaded(1_499);
    assertThat(limit.current()).isEqualTo(2);
    limit.overloaded(1_500);
    assertThat(limit.current()).isEqualTo(1);
    limit.overloaded(2_500);
    limit.overloaded(3_500);
    assertThat(limit.current()).isEqualTo(1);
  }

  @Test
  void aLowerCeilingCutsTheLimitAtOnce() {
    AdaptiveLimit limit = new AdaptiveLimit(64);
    limit.capAt(22);
    assertThat(limit.current()).isEqualTo(22);
    for (int i = 0; i < 100; i++) limit.succeeded();
    assertThat(limit.current()).isEqualTo(22);
  }

  private static void overload(AdaptiveLimit limit, long now) {
    for (int i = 0; i < 3; i++) limit.overloaded(now);
  }
}
