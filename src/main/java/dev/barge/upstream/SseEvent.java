package dev.barge.upstream;

import java.nio.charset.StandardCharsets;

/**
 * One server-sent event: its {@code event:} name (null when it has none, as OpenAI's chat chunks) and its
 * {@code data:} text (a JSON object, or {@code [DONE]}).
 */
public record SseEvent(String event, String data) {
  /** The data OpenAI's chat and completions streams end with. */
  public static final String DONE = "[DONE]";

  public static SseEvent data(String data) {
    return new SseEvent(null, data);
  }

  public boolean isDone() {
    return DONE.equals(data);
  }

  /** The event as it goes on the wire, with the blank line that ends it. */
  public byte[] wire() {
    StringBuilder text = new StringBuilder(data.length() + 32);
    if (event != null) text.append("event: ").append(event).append('\n');
    for (String line : data.split("\n", -1)) text.append("data: ").append(line).append('\n');
    return text.append('\n').toString().getBytes(StandardCharsets.UTF_8);
  }
}
