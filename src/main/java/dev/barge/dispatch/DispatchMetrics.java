package dev.barge.dispatch;

import dev.barge.cost.Money;
import dev.barge.upstream.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the dispatcher counts for {@code /metrics}: upstream calls by backend, endpoint, source and outcome
 * with their latency, tokens, and money by tier. Names are Micrometer names; the registry prefixes
 * {@code barge_}. Meters are looked up once per label set and kept: this runs on every call.
 */
public final class DispatchMetrics {
  private final MeterRegistry registry;
  private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();
  private final Map<List<String>, Timer> timers = new ConcurrentHashMap<>();

  public DispatchMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** One upstream call ended: {@code source} is {@code batch} or the synchronous priority. */
  void called(String backend, String endpoint, String source, Outcome outcome, Duration took) {
    String result = switch (outcome) {
      case Outcome.Success s -> "success";
      case Outcome.RateLimited r -> "rate_limited";
      case Outcome.Retryable r -> "server_error";
      case Outcome.Garbled g -> "garbled";
      case Outcome.Rejected r -> "rejected";
      case Outcome.TransportFailure t -> "no_answer";
    };
    counter("requests", "Upstream calls by backend, endpoint, source and outcome",
        "backend", backend, "endpoint", endpoint, "source", source, "outcome", result).increment();
    timers.computeIfAbsent(List.of(backend, endpoint), k -> Timer.builder("upstream.latency")
        .description("Time to the upstream's answer").tags("backend", backend, "endpoint", endpoint)
        .publishPercentileHistogram().maximumExpectedValue(Duration.ofMinutes(10)) // LLM calls can be long
        .register(registry)).record(took);
  }

  /** Tokens a backend reported, and what they cost in picodollars at {@code tier}'s price. */
  void used(String backend, long inputTokens, long outputTokens, String tier, long costPicos) {
    counter("tokens", "Tokens the backends reported", "backend", backend, "direction", "input").increment(inputTokens);
    counter("tokens", "Tokens the backends reported", "backend", backend, "direction", "output").increment(outputTokens);
    if (costPicos > 0) {
      counter("cost.usd", "Money charged, in US dollars", "tier", tier).increment(Money.usd(costPicos).doubleValue());
    }
  }

  /** Upstream calls of {@code backend} so far, by outcome. */
  Map<String, Long> outcomes(String backend) {
    Map<String, Long> out = new java.util.TreeMap<>();
    counters.forEach((key, counter) -> {
      // key: "requests", "backend", name, "endpoint", e, "source", s, "outcome", o
      if (key.getFirst().equals("requests") && key.get(2).equals(backend)) {
        out.merge(key.get(8), (long) counter.count(), Long::sum);
      }
    });
    return out;
  }

  /** A provider job was created upstream, or ended there with the provider's {@code status}. */
  void upstreamJob(String backend, String status) {
    counter("upstream.jobs", "Provider batch jobs by backend and the status they were last seen in",
        "backend", backend, "status", status).increment();
  }

  /** Lines a provider job did not answer, taken back to run real-time (spill time, a job that failed or expired). */
  void spilled(String backend, long lines) {
    counter("upstream.jobs.spilled.lines", "Lines taken back from provider jobs to run real-time",
        "backend", backend).increment(lines);
  }

  private Counter counter(String name, String description, String... tags) {
    List<String> key = new ArrayList<>(List.of(tags));
    key.addFirst(name);
    return counters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags)
        .register(registry));
  }
}
