package dev.barge.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {
  @Test
  void readsOpenAisHeaders() {
    Map<String, String> headers = Map.of("x-ratelimit-limit-requests", "600", "x-ratelimit-remaining-requests", "0",
        "x-ratelimit-reset-requests", "6m0s", "x-ratelimit-limit-tokens", "60000",
        "x-ratelimit-remaining-tokens", "59000", "x-ratelimit-reset-tokens", "1s500ms");
    assertThat(RateLimitHeaders.from(headers::get)).isEqualTo(new RateLimitHeaders(600L, 0L, Duration.ofMinutes(6),
        60_000L, 59_000L, Duration.ofMillis(1_500)));
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
    assertThat(RateLimitHeaders.from(name -> null)).isSameAs(RateLimitHeaders.NONE);
    assertThat(RateLimitHeaders.from(Map.of("x-ratelimit-limit-requests", "lots")::get)).isSameAs(RateLimitHeaders.NONE);
  }
}
