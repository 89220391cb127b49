package dev.barge.batch;

import dev.barge.batch.model.BatchStatus;
import dev.barge.store.BatchStore;
import dev.barge.store.RequestQueries;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The engine's metrics registry, scraped at {@code /metrics}: every name starts {@code barge_}. Besides
 * what the dispatcher counts, it shows batches per status and batch requests queued, both read from the
 * store at most every few seconds however often Prometheus scrapes, and the JVM basics.
 */
public final class EngineMetrics {
  private static final long REFRESH_MS = 5_000;

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  public EngineMetrics(BatchStore batches, RequestQueries requests, Clock clock) {
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public io.micrometer.core.instrument.Meter.Id map(io.micrometer.core.instrument.Meter.Id id) {
        return id.getName().startsWith("barge.") ? id : id.withName("barge." + id.getName());
      }
    });
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    Supplier<Map<BatchStatus, Integer>> byStatus = cached(batches::countByStatus, clock);
    for (BatchStatus status : BatchStatus.values()) {
      Gauge.builder("batches", () -> byStatus.get().getOrDefault(status, 0)).description("Batches by status")
          .tag("status", status.wireName()).register(registry);
    }
    Supplier<Long> queued = cached(requests::queuedCount, clock);
    Gauge.builder("queue.depth", queued::get).description("Batch requests queued").tag("priority", "batch")
        .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text format. */
  public String scrape() {
    return registry.scrape();
  }

  private static <T> Supplier<T> cached(Supplier<T> read, Clock clock) {
    return new Supplier<>() {
      private T value;
      private long readAt = Long.MIN_VALUE;

      @Override
      public synchronized T get() {
        long now = clock.millis();
        if (value == null || now - readAt >= REFRESH_MS) {
          value = read.get();
          readAt = now;
        }
        return value;
      }
    };
  }
}
