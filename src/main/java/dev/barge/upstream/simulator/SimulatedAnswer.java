package dev.barge.upstream.simulator;

import java.time.Duration;
import java.util.Map;

/**
 * What the simulator answers to one request. The caller waits {@code delay} before delivering it, so the
 * simulator itself never blocks.
 *
 * @param headers response headers with lower-case names
 */
public record SimulatedAnswer(int status, Map<String, String> headers, String body, Duration delay) {
  public SimulatedAnswer {
    headers = Map.copyOf(headers);
  }
}
