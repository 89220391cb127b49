package dev.barge.upstream;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads server-sent events from a stream as they arrive, by the rules of the HTML standard's event stream
 * format: {@code event:} and {@code data:} fields (several data lines joined by newlines), comments and
 * other fields ignored, a blank line ending each event.
 */
final class SseReader {
  private final BufferedReader lines;

  SseReader(InputStream in) {
    this.lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 8192);
  }

  /** The next event, or null at the end of the stream (an event cut off by the end is dropped). */
  SseEvent next() throws IOException {
    String event = null;
    StringBuilder data = null;
    for (String line; (line = lines.readLine()) != null; ) {
      if (line.isEmpty()) {
        if (data != null) return new SseEvent(event, data.toString());
        event = null;
        continue;
      }
      if (line.startsWith(":")) continue;
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(line.startsWith(" ", colon + 1) ? colon + 2 : colon + 1);
      switch (field) {
        case "event" -> event = value;
        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        default -> { } // id, retry: nothing Barge needs
      }
    }
    return null;
  }
}
