package dev.barge.config;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A daily window of wall-clock time in a named zone, written {@code "22:00-06:00 Europe/Berlin"} (the zone
 * is optional and defaults to UTC); a window whose end is before its start runs over midnight.
 */
public record TimeWindow(LocalTime start, LocalTime end, ZoneId zone) {
  private static final Pattern FORM = Pattern.compile("(\\d{1,2}:\\d{2})\\s*-\\s*(\\d{1,2}:\\d{2})(?:\\s+(\\S+))?");

  public TimeWindow {
    if (start.equals(end)) throw new IllegalArgumentException("a window must not start and end at the same time");
  }

  /** Parses the written form; the message of a failure shows the form expected. */
  public static TimeWindow parse(String text) {
    Matcher m = text == null ? null : FORM.matcher(text.trim());
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a time window; write it like \"22:00-06:00\""
          + " or \"22:00-06:00 Europe/Berlin\"");
    }
    try {
      return new TimeWindow(time(m.group(1)), time(m.group(2)), m.group(3) == null ? ZoneOffset.UTC : ZoneId.of(m.group(3)));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'" + text + "' has a time that is not HH:MM (00:00 to 23:59)");
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("'" + text + "' names an unknown time zone: " + m.group(3));
    }
  }

  private static LocalTime time(String text) {
    return LocalTime.parse(text.length() == 4 ? "0" + text : text);
  }

  public boolean contains(Instant at) {
    LocalTime t = at.atZone(zone).toLocalTime();
    return start.isBefore(end) ? !t.isBefore(start) && t.isBefore(end) : !t.isBefore(start) || t.isBefore(end);
  }

  /** The first moment at or after {@code from} that lies inside the window. */
  public Instant nextOpen(Instant from) {
    if (contains(from)) return from;
    ZonedDateTime local = from.atZone(zone);
    ZonedDateTime today = local.with(start);
    return (today.isAfter(local) ? today : today.plusDays(1)).toInstant();
  }

  /** Whether {@code at} lies inside any of {@code windows}; no windows means always. */
  public static boolean anyContains(List<TimeWindow> windows, Instant at) {
    return windows.isEmpty() || windows.stream().anyMatch(w -> w.contains(at));
  }

  /** The first moment at or after {@code from} inside any of {@code windows}. */
  public static Instant nextOpen(List<TimeWindow> windows, Instant from) {
    return windows.stream().map(w -> w.nextOpen(from)).min(Instant::compareTo).orElse(from);
  }

  /** Milliseconds of {@code [from, to)} inside any of {@code windows} (all of it when there are none), to the minute. */
  public static long openMillisBetween(List<TimeWindow> windows, Instant from, Instant to) {
    if (windows.isEmpty()) return Math.max(0, to.toEpochMilli() - from.toEpochMilli());
    long open = 0;
    for (Instant t = from; t.isBefore(to); t = t.plusSeconds(60)) {
      if (anyContains(windows, t)) open += Math.min(60_000, to.toEpochMilli() - t.toEpochMilli());
    }
    return open;
  }

  /**
   * When {@code openMillis} of time inside any of {@code windows} will have passed after {@code from}, to
   * the minute; null if not by {@code limit}.
   */
  public static Instant afterOpenTime(List<TimeWindow> windows, Instant from, long openMillis, Instant limit) {
    if (windows.isEmpty()) {
      Instant at = from.plusMillis(openMillis);
      return at.isAfter(limit) ? null : at;
    }
    long left = openMillis;
    for (Instant t = from; !t.isAfter(limit); t = t.plusSeconds(60)) {
      if (!anyContains(windows, t)) continue;
      if (left <= 60_000) return t.plusMillis(left);
      left -= 60_000;
    }
    return null;
  }

  @Override
  public String toString() {
    return start + "-" + end + " " + zone.getId();
  }
}
