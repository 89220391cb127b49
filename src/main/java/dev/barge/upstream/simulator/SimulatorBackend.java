package dev.barge.upstream.simulator;

import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.upstream.Backend;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.RateLimitHeaders;
import dev.barge.upstream.RetryAfter;
import java.time.Clock;
import java.util.HashSet;

/** A backend of type {@code simulator}: the {@link Simulator} in-process, with no HTTP in between. */
public final class SimulatorBackend implements Backend {
  private static final int DEFAULT_MAX_CONCURRENCY = 64;

  private final BackendConfig config;
  private final Clock clock;
  private final Simulator simulator;

  public SimulatorBackend(BackendConfig config, Clock clock) {
    if (config.type() != BackendType.SIMULATOR) {
      throw new IllegalArgumentException("backend " + config.name() + " is of type " + config.type().yamlName()
          + ", not simulator");
    }
    this.config = config;
    this.clock = clock;
    this.simulator = new Simulator(config.simulator(), new HashSet<>(config.models()), clock);
  }

  @Override
  public BackendConfig config() {
    return config;
  }

  @Override
  public int defaultConcurrency() {
    return DEFAULT_MAX_CONCURRENCY;
  }

  /** Waits the simulated latency on the calling thread: cheap on the virtual threads the dispatcher uses. */
  @Override
  public Outcome send(Endpoint endpoint, byte[] body) {
    SimulatedAnswer answer = simulator.answer(endpoint, body);
    try {
      if (answer.delay().isPositive()) Thread.sleep(answer.delay());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome.TransportFailure("interrupted while waiting for the simulated answer");
    } finally {
      simulator.delivered();
    }
    if (answer.reset()) return new Outcome.TransportFailure("connection reset (simulated)");
    return Outcome.classify(answer.status(), answer.body(), answer.headers().get("x-request-id"),
        RetryAfter.from(answer.headers()::get, clock), RateLimitHeaders.from(answer.headers()::get, clock.instant()));
  }
}
