package dev.barge.upstream.simulator;

import java.time.Duration;
import java.util.Map;

/**
 * What the simulator answers to one request. The caller waits {@code delay} before delivering it, so the
 * simulator itself never blocks.
 *
 * @param headers response headers with lower-case names
 * @param reset instead of answering, the connection is reset (a simulated network fault)
 */
public record SimulatedAnswer(int status, Map<String, String> headers, String body, Duration delay, boolean reset) {
  public SimulatedAnswer {
    headers = Map.copyOf(headers);
  }

  public SimulatedAnswer(int status, Map<String, String> headers, String body, Duration delay) {
    this(status, headers, body, delay, false);
  }
}
