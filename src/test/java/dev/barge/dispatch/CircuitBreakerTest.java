package dev.barge.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
  @Test
  void opensAfterFailuresInARowThenLetsOneProbeThrough() {
    CircuitBreaker breaker = new CircuitBreaker();
    for (int i = 1; i < CircuitBreaker.FAILURES_TO_OPEN; i++) assertThat(breaker.failed(0)).isFalse();
    assertThat(breaker.failed(0)).isTrue();
    assertThat(breaker.allowance(1_000)).isZero();
    assertThat(breaker.allowance(5_000)).isEqualTo(1); // half open: one probe
    breaker.started(5_000);
    assertThat(breaker.allowance(5_001)).isZero(); // while the probe is out, nothing else
    breaker.succeeded();
    assertThat(breaker.allowance(5_002)).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void aFailedProbeOpensItForLonger() {
    CircuitBreaker breaker = new CircuitBreaker();
    for (int i = 0; i < CircuitBreaker.FAILURES_TO_OPEN; i++) breaker.failed(0);
    breaker.started(5_000);
    assertThat(breaker.failed(5_000)).isTrue();
    assertThat(breaker.allowance(14_999)).isZero();
    assertThat(breaker.allowance(15_000)).isEqualTo(1);
  }

  @Test
  void aSuccessInBetweenResetsTheCount() {
    CircuitBreaker breaker = new CircuitBreaker();
    for (int i = 1; i < CircuitBreaker.FAILURES_TO_OPEN; i++) breaker.failed(0);
    breaker.succeeded();
    assertThat(breaker.failed(0)).isFalse();
    assertThat(breaker.allowance(0)).isEqualTo(Integer.MAX_VALUE);
  }
}
