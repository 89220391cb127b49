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
import dev.barge.upstream.SseEvent;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;

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
    try {
      if (answer.delay().isPositive()) Thread.sleep(answer.delay());
      if (answer.events() == null) return StreamedCall.answered(outcome(answer));
      String requestId = answer.headers().get("x-request-id");
      Iterator<SseEvent> events = answer.events().iterator();
      boolean[] first = {true};
      return new StreamRelay(endpoint, StreamRelay.SAME, hideUsage, listener).run(requestId,
          new Outcome.Success(200, "{}", requestId), () -> {
            if (!events.hasNext()) return null;
            if (!first[0]) pause(simulator.tokenTime());
            first[0] = false;
            return events.next();
          });
    } catch (InterruptedIOException e) {
      return StreamedCall.answered(new Outcome.TransportFailure("interrupted while streaming the simulated answer"));
    } catch (IOException e) {
      throw new UncheckedIOException("the simulator's own events are JSON", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return StreamedCall.answered(new Outcome.TransportFailure("interrupted while streaming the simulated answer"));
    } finally {
      simulator.delivered();
    }
  }

  /** Waits between two events; an interrupt ends the stream as a read would end. */
  private static void pause(Duration time) throws InterruptedIOException {
    if (!time.isPositive()) return;
    try {
      Thread.sleep(time);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted between two streamed events");
    }
  }

  private Outcome outcome(SimulatedAnswer answer) {
    if (answer.reset()) return new Outcome.TransportFailure("connection reset (simulated)");
    return Outcome.classify(answer.status(), answer.body(), answer.headers().get("x-request-id"),
        RetryAfter.from(answer.headers()::get, clock), RateLimitHeaders.from(answer.headers()::get, clock.instant()));
  }
}
