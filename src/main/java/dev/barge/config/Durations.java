package dev.barge.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the short durations used in configuration and completion windows: "30s", "15m", "24h", "7d". */
public final class Durations {
  private static final Pattern SHORT = Pattern.compile("([1-9][0-9]{0,8})(ms|s|m|h|d)");

  private Durations() {}

  /** Returns the duration, or throws IllegalArgumentException with a message showing the accepted form. */
  public static Duration parse(String text) {
    Matcher m = text == null ? null : SHORT.matcher(text.trim());
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration; use a positive number and a unit: ms, s, m, h or d (e.g. \"30s\", \"24h\")");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  /** Checks the value of config key {@code key}; the message of a failure starts with the key. */
  static void require(String key, String value) {
    try {
      parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage());
    }
  }
}
