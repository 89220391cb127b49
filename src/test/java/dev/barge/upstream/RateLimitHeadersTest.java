package dev.barge.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {
  private static final Instant NOW = Instant.parse("2026-11-27T06:00:00Z");

  @Test
  void readsOpenAisHeaders() {
    Map<String, String> headers = Map.of("x-ratelimit-limit-requests", "600", "x-ratelimit-remaining-requests", "0",
        "x-ratelimit-reset-requests", "6m0s", "x-ratelimit-limit-tokens", "60000",
        "x-ratelimit-remaining-tokens", "59000", "x-ratelimit-reset-tokens", "1s500ms");
    assertThat(RateLimitHeaders.from(headers::get, NOW)).isEqualTo(new RateLimitHeaders(600L, 0L, Duration.ofMinutes(6),
        60_000L, 59_000L, Duration.ofMillis(1_500)));
  }

  @Test
  void readsAnthropicsHeadersWithResetsAsTimes() {
    Map<String, String> headers = Map.of("anthropic-ratelimit-requests-limit", "1000",
        "anthropic-ratelimit-requests-remaining", "999", "anthropic-ratelimit-requests-reset", "2026-11-27T06:00:01Z",
        "anthropic-ratelimit-tokens-limit", "96000", "anthropic-ratelimit-tokens-remaining", "95000",
        "anthropic-ratelimit-tokens-reset", "2026-11-27T05:59:59Z");
    assertThat(RateLimitHeaders.from(headers::get, NOW)).isEqualTo(new RateLimitHeaders(1_000L, 999L,
        Duration.ofSeconds(1), 96_000L, 95_000L, Duration.ZERO));
  }

  @Test
  void openAisHeadersWinWhenBothDialectsCome() {
    Map<String, String> headers = Map.of("x-ratelimit-limit-requests", "600",
        "anthropic-ratelimit-requests-limit", "1000", "anthropic-ratelimit-requests-reset", "soon");
    assertThat(RateLimitHeaders.from(headers::get, NOW).limitRequests()).isEqualTo(600L);
    assertThat(RateLimitHeaders.until("soon", NOW)).isNull();
  }

  @Test
  void goDurations() {
    assertThat(RateLimitHeaders.duration("12ms")).isEqualTo(Duration.ofMillis(12));
    assertThat(RateLimitHeaders.duration("1.5s")).isEqualTo(Duration.ofMillis(1_500));
    assertThat(RateLimitHeaders.duration("1h2m3s")).isEqualTo(Duration.ofSeconds(3_723));
    assertThat(RateLimitHeaders.duration("soon")).isNull();
    assertThat(RateLimitHeaders.duration("5s later")).isNull();
  }

  @Test
  void absentOrGarbledHeadersAreNone() {
    assertThat(RateLimitHeaders.from(name -> null, NOW)).isSameAs(RateLimitHeaders.NONE);
    assertThat(RateLimitHeaders.from(Map.of("x-ratelimit-limit-requests", "lots")::get, NOW)).isSameAs(RateLimitHeaders.NONE);
  }
}
