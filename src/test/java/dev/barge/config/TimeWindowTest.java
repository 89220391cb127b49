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

  private static final List<TimeWindow> BERLIN_NIGHT = List.of(TimeWindow.parse("22:00-06:00 Europe/Berlin"));

  @Test
  void openTimeIsExactToTheMillisecondAtTheEdgesOfAWindow() {
    // 05:59:50 in Berlin: ten seconds of the night are left, not a whole minute.
    assertThat(TimeWindow.openMillisBetween(BERLIN_NIGHT, Instant.parse("2026-11-27T04:59:50Z"),
        Instant.parse("2026-11-27T12:00:00Z"))).isEqualTo(10_000);
    // From 21:59:50 in Berlin, an hour of work ends at 23:00 sharp.
    assertThat(TimeWindow.afterOpenTime(BERLIN_NIGHT, Instant.parse("2026-11-26T20:59:50Z"), 3_600_000L,
        Instant.parse("2026-12-01T00:00:00Z"))).isEqualTo(Instant.parse("2026-11-26T22:00:00Z"));
  }

  @Test
  void openTimeOverADecadeCountsEveryNightWithItsClockChanges() {
    // Ten years of nights: 3,653 of them (three leap days), 8 hours each; the night the clocks go forward
    // is an hour shorter and the night they go back an hour longer, which cancels out over each year.
    Instant from = Instant.parse("2020-01-01T12:00:00Z");
    Instant to = Instant.parse("2030-01-01T12:00:00Z");
    assertThat(TimeWindow.openMillisBetween(BERLIN_NIGHT, from, to)).isEqualTo(3_653 * 8 * 3_600_000L);
    assertThat(TimeWindow.afterOpenTime(BERLIN_NIGHT, from, 3_653 * 8 * 3_600_000L, to))
        .isEqualTo(Instant.parse("2030-01-01T05:00:00Z")); // 06:00 in Berlin, the end of the last night
    // The night the clocks went forward (2025-03-30 at 02:00) had 7 hours, the night they went back 9.
    assertThat(TimeWindow.openMillisBetween(BERLIN_NIGHT, Instant.parse("2025-03-29T12:00:00Z"),
        Instant.parse("2025-03-30T12:00:00Z"))).isEqualTo(7 * 3_600_000L);
    assertThat(TimeWindow.openMillisBetween(BERLIN_NIGHT, Instant.parse("2025-10-25T12:00:00Z"),
        Instant.parse("2025-10-26T12:00:00Z"))).isEqualTo(9 * 3_600_000L);
  }

  @Test
  void overlappingWindowsCountOnce() {
    List<TimeWindow> both = List.of(TimeWindow.parse("20:00-02:00"), TimeWindow.parse("00:00-04:00"));
    assertThat(TimeWindow.openMillisBetween(both, Instant.parse("2026-11-26T12:00:00Z"),
        Instant.parse("2026-11-27T12:00:00Z"))).isEqualTo(8 * 3_600_000L);
  }
}
