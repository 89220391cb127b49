package dev.barge.upstream.simulator;

import static dev.barge.upstream.simulator.SimulatorTest.body;
import static dev.barge.upstream.simulator.SimulatorTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.Endpoint;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RateLimitsTest {
  /** 4 prompt tokens (one for the text, three for the message) plus a 10-token reply budget. */
  private static final String SMALL_CHAT =
      "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  private final MutableClock clock = new MutableClock();

  @Test
  void requestsOverTheMinuteLimitAre429WithRetryAfter() throws Exception {
    Simulator simulator = simulator(60, null);
    for (int i = 0; i < 60; i++) assertThat(send(simulator).status()).isEqualTo(200);

    SimulatedAnswer refused = send(simulator);

    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.delay()).isZero();
    assertThat(refused.headers())
        .containsEntry("retry-after-ms", "1000")
        .containsEntry("retry-after", "1")
        .containsEntry("x-ratelimit-limit-requests", "60")
        .containsEntry("x-ratelimit-remaining-requests", "0")
        .containsEntry("x-ratelimit-reset-requests", "1m0s");
    assertThat(body(refused).at("/error/type").asText()).isEqualTo("requests");
    assertThat(body(refused).at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(body(refused).at("/error/message").asText()).startsWith("Rate limit reached");
    assertThat(body(refused).get("error").has("param")).isTrue();
  }

  @Test
  void bucketRefillsContinuouslyFromTheClock() {
    Simulator simulator = simulator(60, null);
    for (int i = 0; i < 60; i++) send(simulator);

    clock.advance(Duration.ofMillis(999));
    assertThat(send(simulator).status()).isEqualTo(429);
    clock.advance(Duration.ofMillis(1));
    assertThat(send(simulator).status()).isEqualTo(200);
    assertThat(send(simulator).status()).isEqualTo(429);
  }

  @Test
  void tokensOverTheMinuteLimitAre429OfTypeTokens() throws Exception {
    Simulator simulator = simulator(null, 100);
    int sent = 0;
    while (send(simulator).status() == 200) sent++;

    SimulatedAnswer refused = send(simulator);
    assertThat(sent).isBetween(6, 8);
    assertThat(refused.status()).isEqualTo(429);
    assertThat(body(refused).at("/error/type").asText()).isEqualTo("tokens");
    assertThat(refused.headers()).containsEntry("x-ratelimit-limit-tokens", "100")
        .doesNotContainKey("x-ratelimit-limit-requests");
    long waitMs = Long.parseLong(refused.headers().get("retry-after-ms"));
    clock.advance(Duration.ofMillis(waitMs));
    assertThat(send(simulator).status()).isEqualTo(200);
  }

  @Test
  void successfulAnswersCarryTheRateLimitHeaders() {
    SimulatedAnswer answer = send(simulator(600, 40_000));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.headers())
        .containsEntry("x-ratelimit-limit-requests", "600")
        .containsEntry("x-ratelimit-remaining-requests", "599")
        .containsEntry("x-ratelimit-reset-requests", "100ms")
        .containsEntry("x-ratelimit-limit-tokens", "40000")
        .containsEntry("x-ratelimit-remaining-tokens", "39986")
        .containsEntry("x-ratelimit-reset-tokens", "21ms");
  }

  @Test
  void unlimitedSimulatorSendsNoRateLimitHeaders() {
    assertThat(send(simulator(null, null)).headers().keySet()).noneMatch(h -> h.startsWith("x-ratelimit"));
  }

  @Test
  void requestLargerThanTheTokenLimitIsTooLargeAndNotWorthRetrying() throws Exception {
    SimulatedAnswer refused = send(simulator(null, 5));

    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.headers()).containsEntry("x-should-retry", "false").containsKey("retry-after");
    assertThat(body(refused).at("/error/message").asText()).startsWith("Request too large");
  }

  @Test
  void resetTimesAreGoStyleDurations() {
    assertThat(RateLimits.goDuration(Duration.ZERO)).isEqualTo("0s");
    assertThat(RateLimits.goDuration(Duration.ofNanos(1))).isEqualTo("1ms");
    assertThat(RateLimits.goDuration(Duration.ofMillis(12))).isEqualTo("12ms");
    assertThat(RateLimits.goDuration(Duration.ofSeconds(1))).isEqualTo("1s");
    assertThat(RateLimits.goDuration(Duration.ofMillis(2081))).isEqualTo("2s81ms");
    assertThat(RateLimits.goDuration(Duration.ofMinutes(6))).isEqualTo("6m0s");
    assertThat(RateLimits.goDuration(Duration.ofMinutes(61).plusSeconds(5))).isEqualTo("1h1m5s");
  }

  private Simulator simulator(Integer rpm, Integer tpm) {
    return new Simulator(new SimulatorConfig(null, null, null, null, null, rpm, tpm, null), Set.of(), clock);
  }

  private static SimulatedAnswer send(Simulator simulator) {
    return simulator.answer(Endpoint.CHAT_COMPLETIONS, bytes(SMALL_CHAT));
  }
}
