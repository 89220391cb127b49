package dev.barge.upstream.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.config.SimulatorConfig;
import dev.barge.config.SimulatorFaults;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.SseEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * A simulated OpenAI-compatible model, never a real one: made-up but deterministic content in the exact OpenAI
 * response shapes with realistic usage, plus configurable latency, injected faults and enforced rate limits.
 * Thread-safe; it never blocks, the caller waits {@link SimulatedAnswer#delay()} itself.
 */
public final class Simulator {
  private final SimulatorConfig config;
  private final Set<String> models;
  private final Clock clock;
  private final Supplier<RandomGenerator> random;
  private final RateLimits limits;
  private final PrefixCache prefixes;
  private final ObjectMapper json = new ObjectMapper();
  private final SimulatedResponses responses = new SimulatedResponses(json);
  private final SimulatedStream stream = new SimulatedStream(json);
  private final Map<Integer, LongAdder> answers = new ConcurrentHashMap<>();
  private final AtomicInteger working = new AtomicInteger();
  private final LongAdder jobAnswers = new LongAdder();

  /** @param models the model names served; empty serves any name */
  public Simulator(SimulatorConfig config, Set<String> models, Clock clock) {
    this.config = config;
    this.prefixes = new PrefixCache(config.prefixCache());
    this.models = Set.copyOf(models);
    this.clock = clock;
    // java.util.Random is thread-safe, so one seeded instance gives a repeatable sequence of faults; without a
    // seed, per-thread generators avoid contention.
    Random seeded = config.seed() == null ? null : new Random(config.seed());
    this.random = seeded == null ? ThreadLocalRandom::current : () -> seeded;
    this.limits = new RateLimits(config.requestsPerMinute(), config.tokensPerMinute(), config.burstSeconds(),
        config.limitHeaders(), clock);
  }

  /**
   * Answers one request body sent to {@code endpoint}. The caller waits the answer's delay, delivers it,
   * then calls {@link #delivered()}: with a {@code capacity}, requests in between slow each other.
   */
  public SimulatedAnswer answer(Endpoint endpoint, byte[] body) {
    working.incrementAndGet();
    SimulatedAnswer answer = decide(endpoint, body);
    answers.computeIfAbsent(answer.status(), s -> new LongAdder()).increment();
    return answer;
  }

  /** How many answers of each HTTP status it has given: what a benchmark checks for 429s. */
  public Map<Integer, Long> answersByStatus() {
    Map<Integer, Long> counts = new TreeMap<>();
    answers.forEach((status, n) -> counts.put(status, n.sum()));
    return counts;
  }

  /**
   * Answers one request of a provider batch job: the same answer as in real time, but at once, and with none
   * of the enforced limits or injected faults, which are the real-time API's (a job has its own faults).
   */
  SimulatedAnswer answerInJob(Endpoint endpoint, byte[] body) {
    jobAnswers.increment();
    Map<String, String> headers = newHeaders();
    SimulatedRequest request;
    try {
      request = admitted(endpoint, body);
    } catch (RequestRejected e) {
      return rejected(endpoint, e, headers);
    }
    return new SimulatedAnswer(200, headers, responses.render(request, clock.instant().getEpochSecond()), Duration.ZERO);
  }

  /** How many requests of batch jobs it has answered. */
  long jobAnswers() {
    return jobAnswers.sum();
  }

  /** An error answer in a job, such as a real-time call can get: {@code status} 429 or 500. */
  SimulatedAnswer jobError(int status) {
    String error = status == 429
        ? responses.error("Simulated rate limit in a batch job (Barge simulator).", "requests", null,
            "rate_limit_exceeded")
        : responses.error("Simulated server error in a batch job (Barge simulator)", "server_error", null, null);
    return new SimulatedAnswer(status, newHeaders(), error, Duration.ZERO);
  }

  private static Map<String, String> newHeaders() {
    Map<String, String> headers = new HashMap<>(16);
    headers.put("x-request-id", SimulatedResponses.id("req_"));
    headers.put("content-type", "application/json");
    return headers;
  }

  private SimulatedRequest admitted(Endpoint endpoint, byte[] body) {
    SimulatedRequest request = SimulatedRequest.parse(endpoint, body, json);
    if (!models.isEmpty() && !models.contains(request.model())) throw RequestRejected.modelNotFound(request.model());
    return request;
  }

  /** A caller's mistake is answered at once, as a real server would before doing any work. */
  private SimulatedAnswer rejected(Endpoint endpoint, RequestRejected e, Map<String, String> headers) {
    String error = responses.error(endpoint, e.status(), e.getMessage(), "invalid_request_error", e.param(), e.code());
    return new SimulatedAnswer(e.status(), headers, error, Duration.ZERO);
  }

  private SimulatedAnswer decide(Endpoint endpoint, byte[] body) {
    Map<String, String> headers = newHeaders();
    SimulatedRequest request;
    try {
      request = admitted(endpoint, body);
    } catch (RequestRejected e) {
      return rejected(endpoint, e, headers);
    }

    RateLimits.Decision decision = limits.acquire(request.tokenCost(), endpoint == Endpoint.MESSAGES);
    headers.putAll(decision.headers());
    if (!decision.admitted()) {
      putRetryAfter(headers, decision.retryAfter());
      if (decision.tooLarge()) headers.put("x-should-retry", "false");
      String error = responses.error(endpoint, 429, decision.message(), decision.limitType(), null,
          "rate_limit_exceeded");
      return new SimulatedAnswer(429, headers, error, Duration.ZERO);
    }

    RandomGenerator generator = random.get();
    double fault = generator.nextDouble();
    if ((fault -= config.errorRate()) < 0) {
      // A server error comes after the work was attempted, so it takes the latency.
      String error = responses.error(endpoint, 500, "Simulated server error (Barge simulator)", "server_error", null,
          null);
      return new SimulatedAnswer(500, headers, error, delay(generator));
    }
    if ((fault -= config.rateLimitRate()) < 0) {
      // Like an enforced limit, an overloaded server turns the request away at the door: no latency.
      putRetryAfter(headers, Duration.ofMillis(config.retryAfterMs()));
      String error = responses.error(endpoint, 429, "Simulated rate limit (Barge simulator): please retry after "
          + config.retryAfterMs() + " ms.", "requests", null, "rate_limit_exceeded");
      return new SimulatedAnswer(429, headers, error, Duration.ZERO);
    }
    SimulatorFaults faults = config.faults();
    if ((fault -= faults.unavailableRate()) < 0) {
      putRetryAfter(headers, Duration.ofMillis(config.retryAfterMs()));
      String error = responses.error(endpoint, 503, "Simulated overload (Barge simulator): the engine is currently"
          + " overloaded, please try again later.", "server_error", null, null);
      return new SimulatedAnswer(503, headers, error, Duration.ZERO);
    }
    if ((fault -= faults.resetRate()) < 0) return new SimulatedAnswer(0, headers, "", delay(generator), true);
    request = request.withCachedTokens(prefixes.cachedTokens(request));
    String answer = responses.render(request, clock.instant().getEpochSecond());
    Duration delay = delay(generator).plus(prefill(request));
    if ((fault -= faults.truncatedRate()) < 0) return told(request, headers, answer, delay, true);
    if ((fault -= faults.slowRate()) < 0) {
      return told(request, headers, answer, Duration.ofMillis(faults.slowMs()), false);
    }
    return told(request, headers, answer, delay, false);
  }

  /**
   * A successful answer, as its event stream when the request asked for one; {@code cut}: the body or the
   * stream breaks off half-way, as a dropped connection leaves it.
   */
  private SimulatedAnswer told(SimulatedRequest request, Map<String, String> headers, String answer, Duration delay,
      boolean cut) {
    if (request.streaming() == null) {
      return new SimulatedAnswer(200, headers, cut ? answer.substring(0, answer.length() / 2) : answer, delay);
    }
    List<SseEvent> events = stream.events(request.endpoint(), answer, request.streaming());
    headers.put("content-type", "text/event-stream");
    return new SimulatedAnswer(200, headers, answer, delay, false,
        cut ? events.subList(0, events.size() / 2) : events);
  }

  /** The time between the events of a streamed answer. */
  public Duration tokenTime() {
    return Duration.ofMillis(config.tokenMs());
  }

  /** Requests between {@link #answer} and {@link #delivered}: answers being waited for or streamed. */
  public int inFlight() {
    return working.get();
  }

  /** An answer from {@link #answer} has been delivered (or given up). */
  public void delivered() {
    working.decrementAndGet();
  }

  private Duration delay(RandomGenerator generator) {
    int jitter = config.jitterMs() == 0 ? 0 : generator.nextInt(config.jitterMs() + 1);
    double slowdown = config.capacity() == null ? 1 : Math.max(1.0, (double) working.get() / config.capacity());
    return Duration.ofMillis(Math.round((config.latencyMs() + jitter) * slowdown));
  }

  /** The time to read the prompt tokens the prefix cache did not hold. */
  private Duration prefill(SimulatedRequest request) {
    long micros = (long) (request.promptTokens() - request.cachedTokens()) * config.prefixCache().prefillUsPerToken();
    return Duration.ofNanos(micros * 1000);
  }

  /** Both forms, as OpenAI sends them; {@code retry-after} is whole seconds and at least one. */
  private static void putRetryAfter(Map<String, String> headers, Duration wait) {
    long ms = RateLimits.ceilMillis(wait);
    headers.put("retry-after-ms", Long.toString(ms));
    headers.put("retry-after", Long.toString(Math.max(1, (ms + 999) / 1000)));
  }
}
