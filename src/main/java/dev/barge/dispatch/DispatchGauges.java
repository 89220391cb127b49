package dev.barge.dispatch;

import dev.barge.upstream.Backend;
import dev.barge.upstream.Backends;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How the backends stand, read from their gates when asked: gauges for {@code /metrics}, and statuses for
 * the dashboard.
 */
final class DispatchGauges {
  private final Backends backends;
  private final Map<Backend, BackendGate> gates;
  private final DispatchMetrics metrics;

  DispatchGauges(Backends backends, Map<Backend, BackendGate> gates, DispatchMetrics metrics) {
    this.backends = backends;
    this.gates = gates;
    this.metrics = metrics;
  }

  /**
   * Synchronous requests waiting per priority, and per backend its calls in flight, concurrency limit and
   * this node's part of its limits.
   */
  void register(MeterRegistry registry) {
    for (Priority p : Priority.values()) {
      Gauge.builder("queue.depth", gates, g -> g.values().stream().mapToInt(gate -> gate.waiting(p)).sum())
          .description("Synchronous requests waiting for a backend").tag("priority", p.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
    gates.forEach((backend, gate) -> {
      Gauge.builder("backend.in_flight", gate, BackendGate::inFlight).tag("backend", backend.name()).register(registry);
      Gauge.builder("backend.concurrency_limit", gate, BackendGate::concurrencyLimit).tag("backend", backend.name())
          .register(registry);
      Gauge.builder("backend.limit_share", gate, BackendGate::share).tag("backend", backend.name())
          .description("This node's part of the backend's limits, shared with the other nodes by demand")
          .register(registry);
    });
  }

  /** Every backend's configuration beside its adaptive limit, calls in flight, circuit and answers by outcome. */
  List<BackendStatus> statuses(long now) {
    return backends.all().stream().map(b -> {
      BackendGate gate = gates.get(b);
      return new BackendStatus(b.name(), b.config().type().yamlName(), b.models(),
          b.config().limits().requestsPerMinute(), b.config().limits().tokensPerMinute(), b.maxConcurrency(),
          gate.concurrencyLimit(), gate.inFlight(), gate.circuit(now), metrics.outcomes(b.name()));
    }).toList();
  }
}
