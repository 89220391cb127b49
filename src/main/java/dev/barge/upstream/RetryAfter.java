package dev.barge.upstream;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.function.Function;

/** Reads how long a backend asked us to wait: {@code retry-after-ms}, else {@code retry-after} (seconds or HTTP-date). */
public final class RetryAfter {
  private RetryAfter() {}

  /** {@code header} looks up a response header by lower-case name; returns null when absent or unparseable. */
  public static Duration from(Function<String, String> header, Clock clock) {
    String ms = header.apply("retry-after-ms");
    if (ms != null) {
      try {
        return Duration.ofMillis(Math.max(0, (long) Double.parseDouble(ms.trim())));
      } catch (NumberFormatException ignored) {
        // fall through to retry-after
      }
    }
    String value = header.apply("retry-after");
    if (value == null) return null;
    try {
      return Duration.ofMillis(Math.max(0, (long) (Double.parseDouble(value.trim()) * 1000)));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(clock.instant(), at.toInstant());
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException e) {
        return null;
      }
    }
  }
}
