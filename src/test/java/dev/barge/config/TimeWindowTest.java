package dev.barge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimeWindowTest {
  @Test
  void aWindowOverMidnightInANamedZone() {
    TimeWindow night = TimeWindow.parse("22:00-06:00 Europe/Berlin"); // UTC+1 in November
    assertThat(night.contains(Instant.parse("2026-11-26T21:30:00Z"))).isTrue(); // 22:30 in Berlin
    assertThat(night.contains(Instant.parse("2026-11-27T04:59:00Z"))).isTrue(); // 05:59
    assertThat(night.contains(Instant.parse("2026-11-27T05:00:00Z"))).isFalse(); // 06:00
    assertThat(night.contains(Instant.parse("2026-11-26T12:00:00Z"))).isFalse();
    assertThat(night.nextOpen(Instant.parse("2026-11-26T12:00:00Z"))).isEqualTo(Instant.parse("2026-11-26T21:00:00Z"));
  }

  @Test
  void aDaytimeWindowInUtcByDefault() {
    TimeWindow day = TimeWindow.parse("9:00-17:30");
    assertThat(day.contains(Instant.parse("2026-11-26T09:00:00Z"))).isTrue();
    assertThat(day.contains(Instant.parse("2026-11-26T17:30:00Z"))).isFalse();
    assertThat(day.nextOpen(Instant.parse("2026-11-26T18:00:00Z"))).isEqualTo(Instant.parse("2026-11-27T09:00:00Z"));
    assertThat(TimeWindow.anyContains(List.of(), Instant.EPOCH)).isTrue();
  }

  @Test
  void badFormsSayWhatIsExpected() {
    assertThatThrownBy(() -> TimeWindow.parse("nightly")).hasMessageContaining("\"22:00-06:00 Europe/Berlin\"");
    assertThatThrownBy(() -> TimeWindow.parse("25:00-06:00")).hasMessageContaining("HH:MM");
    assertThatThrownBy(() -> TimeWindow.parse("22:00-06:00 Mars/Olympus")).hasMessageContaining("unknown time zone");
    assertThatThrownBy(() -> TimeWindow.parse("06:00-06:00")).hasMessageContaining("same time");
  }

  private static final List<TimeWindow> NIGHT = List.of(TimeWindow.parse("22:00-06:00"));

  @Test
  void openTimeCountsOnlyTheWindows() {
    assertThat(TimeWindow.openMillisBetween(NIGHT, Instant.parse("2026-11-26T20:00:00Z"),
        Instant.parse("2026-11-27T08:00:00Z"))).isEqualTo(8 * 3_600_000L);
    assertThat(TimeWindow.openMillisBetween(List.of(), Instant.EPOCH, Instant.ofEpochMilli(1234))).isEqualTo(1234);
  }

  @Test
  void workOfTenHoursInAnEightHourNightEndsTheNextNight() {
    Instant at = TimeWindow.afterOpenTime(NIGHT, Instant.parse("2026-11-26T12:00:00Z"), 10 * 3_600_000L,
        Instant.parse("2026-12-01T00:00:00Z"));
    assertThat(at).isEqualTo(Instant.parse("2026-11-28T00:00:00Z"));
    assertThat(TimeWindow.afterOpenTime(NIGHT, Instant.parse("2026-11-26T12:00:00Z"), 10 * 3_600_000L,
        Instant.parse("2026-11-27T12:00:00Z"))).isNull();
  }
}
