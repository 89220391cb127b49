package dev.barge.upstream.simulator;

import dev.barge.upstream.SseEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the simulator answers to one request. The caller waits {@code delay} before delivering it, so the
 * simulator itself never blocks.
 *
 * @param headers response headers with lower-case names
 * @param reset instead of answering, the connection is reset (a simulated network fault)
 * @param events the answer as an event stream, when the request asked for one (else null); {@code body} is
 *     then the whole answer they tell
 */
public record SimulatedAnswer(int status, Map<String, String> headers, String body, Duration delay, boolean reset,
    List<SseEvent> events) {
  public SimulatedAnswer {
    headers = Map.copyOf(headers);
    if (events != null) events = List.copyOf(events);
  }

  public SimulatedAnswer(int status, Map<String, String> headers, String body, Duration delay, boolean reset) {
    this(status, headers, body, delay, reset, null);
  }

  public SimulatedAnswer(int status, Map<String, String> headers, String body, Duration delay) {
    this(status, headers, body, delay, false);
  }
}
