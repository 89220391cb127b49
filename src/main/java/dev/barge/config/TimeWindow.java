package dev.barge.config;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
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

  /** Milliseconds of {@code [from, to)} inside any of {@code windows} (all of it when there are none). */
  public static long openMillisBetween(List<TimeWindow> windows, Instant from, Instant to) {
    if (windows.isEmpty()) return Math.max(0, to.toEpochMilli() - from.toEpochMilli());
    return openStretches(windows, from, to).stream().mapToLong(Stretch::millis).sum();
  }

  /**
   * When {@code openMillis} of time inside any of {@code windows} will have passed after {@code from}; null
   * if not by {@code limit}.
   */
  public static Instant afterOpenTime(List<TimeWindow> windows, Instant from, long openMillis, Instant limit) {
    if (windows.isEmpty()) {
      Instant at = from.plusMillis(openMillis);
      return at.isAfter(limit) ? null : at;
    }
    long left = openMillis;
    for (Stretch s : openStretches(windows, from, limit)) {
      if (left <= s.millis()) return s.start().plusMillis(left);
      left -= s.millis();
    }
    return null;
  }

  /**
   * The parts of {@code [from, to)} inside any of {@code windows}, in order, overlapping ones merged: a few per
   * day of the span whatever its length, where stepping through it minute by minute would cost a batch that
   * has run for a year half a million steps on every read of its estimate.
   */
  private static List<Stretch> openStretches(List<TimeWindow> windows, Instant from, Instant to) {
    List<Stretch> all = new ArrayList<>();
    for (TimeWindow w : windows) {
      // From the day before: a stretch over midnight that began then may still be open at from.
      for (LocalDate day = from.atZone(w.zone).toLocalDate().minusDays(1); ; day = day.plusDays(1)) {
        Stretch s = w.openOn(day);
        if (!s.start().isBefore(to)) break;
        Instant start = s.start().isBefore(from) ? from : s.start();
        Instant end = s.end().isAfter(to) ? to : s.end();
        if (start.isBefore(end)) all.add(new Stretch(start, end));
      }
    }
    all.sort(Comparator.comparing(Stretch::start));
    List<Stretch> merged = new ArrayList<>();
    for (Stretch s : all) {
      Stretch last = merged.isEmpty() ? null : merged.getLast();
      if (last == null || s.start().isAfter(last.end())) {
        merged.add(s);
      } else if (s.end().isAfter(last.end())) {
        merged.set(merged.size() - 1, new Stretch(last.start(), s.end()));
      }
    }
    return merged;
  }

  /** The stretch of this window that opens on the local date {@code day} (and may close the next day). */
  private Stretch openOn(LocalDate day) {
    LocalDate closes = start.isBefore(end) ? day : day.plusDays(1);
    return new Stretch(day.atTime(start).atZone(zone).toInstant(), closes.atTime(end).atZone(zone).toInstant());
  }

  /** A span of time {@code [start, end)}. */
  private record Stretch(Instant start, Instant end) {
    long millis() {
      return end.toEpochMilli() - start.toEpochMilli();
    }
  }

  @Override
  public String toString() {
    return start + "-" + end + " " + zone.getId();
  }
}
