package dev.barge.upstream.simulator;

import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.upstream.Backend;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.RateLimitHeaders;
import dev.barge.upstream.RetryAfter;
import dev.barge.upstream.StreamListener;
import dev.barge.upstream.StreamRelay;
import dev.barge.upstream.StreamedCall;
import java.io.IOException;
import java.io.UncheckedIOException;
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
    return outcome(answer);
  }

  /** Streams the simulated answer's events, the simulator's time per token apart. */
  @Override
  public StreamedCall stream(Endpoint endpoint, byte[] body, StreamListener listener) {
    boolean hideUsage = false;
    if (endpoint == Endpoint.CHAT_COMPLETIONS || endpoint == Endpoint.COMPLETIONS) {
      try {
        StreamRelay.WithUsage request = StreamRelay.WithUsage.of(body);
        body = request.body();
        hideUsage = !request.callerAsked();
      } catch (IOException e) {
        // Not a JSON object: the simulator says so in its answer.
      }
    }
    SimulatedAnswer answer = simulator.answer(endpoint, body);
    StreamRelay relay = new StreamRelay(endpoint, StreamRelay.SAME, hideUsage, listener);
    try {
      if (answer.delay().isPositive()) Thread.sleep(answer.delay());
      if (answer.events() == null) return StreamedCall.answered(outcome(answer));
      relay.begin(answer.headers().get("x-request-id"));
      for (int i = 0; i < answer.events().size(); i++) {
        if (i > 0 && simulator.tokenTime().isPositive()) Thread.sleep(simulator.tokenTime());
        relay.relay(answer.events().get(i));
      }
      if (relay.complete()) {
        return new StreamedCall(new Outcome.Success(200, "{}", answer.headers().get("x-request-id")), relay.usage(),
            true, false);
      }
      relay.cutOff("connection cut (simulated)");
      return new StreamedCall(new Outcome.TransportFailure("the stream ended before its end"), relay.usage(), true,
          false);
    } catch (StreamRelay.CallerGone e) {
      return new StreamedCall(new Outcome.TransportFailure("the caller went away"), relay.usage(), true, true);
    } catch (IOException e) {
      throw new UncheckedIOException("the simulator's own events are JSON", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return StreamedCall.answered(new Outcome.TransportFailure("interrupted while streaming the simulated answer"));
    } finally {
      simulator.delivered();
    }
  }

  private Outcome outcome(SimulatedAnswer answer) {
    if (answer.reset()) return new Outcome.TransportFailure("connection reset (simulated)");
    return Outcome.classify(answer.status(), answer.body(), answer.headers().get("x-request-id"),
        RetryAfter.from(answer.headers()::get, clock), RateLimitHeaders.from(answer.headers()::get, clock.instant()));
  }
}
