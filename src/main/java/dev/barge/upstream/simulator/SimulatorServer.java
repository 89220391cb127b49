package dev.barge.upstream.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.config.SimulatorConfig;
import dev.barge.http.ServerThreads;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.SseEvent;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;

/**
 * The {@link Simulator} behind a real OpenAI-compatible HTTP server, for demos, tests and benchmarks. It also
 * answers Anthropic's {@code /v1/messages} and Gemini's {@code /v1beta/models/{model}:generateContent} and
 * {@code :embedContent}.
 */
public final class SimulatorServer implements AutoCloseable {
  /** The name listed by {@code GET /v1/models} when any model name is served. */
  public static final String ANY_MODEL_NAME = "simulator";
  private static final String JSON = "application/json";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** Batch lines can be large (many embedding inputs); Javalin's default cap is 1 MB. */
  private static final long MAX_REQUEST_BYTES = 64L * 1024 * 1024;

  private final Javalin app;
  private final String host;
  private final Simulator simulator;
  private final Jobs jobs;

  private SimulatorServer(Javalin app, String host, Simulator simulator, Jobs jobs) {
    this.app = app;
    this.host = host;
    this.simulator = simulator;
    this.jobs = jobs;
  }

  /** The provider batch jobs it serves, behind both APIs' routes. */
  private record Jobs(JobRunner runner, OpenAiJobRoutes openAi, AnthropicJobRoutes anthropic) {
    static Jobs start(Simulator simulator, SimulatorConfig config, Clock clock) {
      long seed = config.seed() != null ? config.seed() : ThreadLocalRandom.current().nextLong();
      try {
        JobRunner runner = new JobRunner(simulator, config.batchJobs(), seed, clock);
        return new Jobs(runner, new OpenAiJobRoutes(runner, new SimulatedFiles(runner.dir(), clock)),
            new AnthropicJobRoutes(runner));
      } catch (IOException e) {
        throw new UncheckedIOException("the simulator could not make a directory for its batch jobs", e);
      }
    }

    JobCounts counts(Simulator simulator) {
      return new JobCounts(openAi.counts(), anthropic.counts(), simulator.jobAnswers(), openAi.filesStored());
    }
  }

  /** What its provider batch jobs have done so far: jobs created and cancelled per API, requests answered. */
  public JobCounts jobCounts() {
    return jobs.counts(simulator);
  }

  /** Requests it is answering now: waited for, or being streamed. */
  public int inFlight() {
    return simulator.inFlight();
  }

  /** How many answers of each HTTP status it has given so far. */
  public Map<Integer, Long> answersByStatus() {
    return simulator.answersByStatus();
  }

  /** Starts serving on {@code host:port}; port 0 picks a free one. An empty {@code models} serves any name. */
  public static SimulatorServer start(String host, int port, SimulatorConfig config, Set<String> models) {
    Clock clock = Clock.systemUTC();
    Simulator simulator = new Simulator(config, models, clock);
    SimulatedResponses envelopes = new SimulatedResponses(new ObjectMapper());
    // Computed once: the list never changes while the server runs.
    String modelList = modelList(models, clock.instant().getEpochSecond());
    Javalin app = Javalin.create(c -> {
      c.jetty.threadPool = ServerThreads.pool("barge-simulator");
      c.showJavalinBanner = false;
      c.http.maxRequestSize = MAX_REQUEST_BYTES;
    });
    for (Endpoint endpoint : Endpoint.values()) {
      if (endpoint == Endpoint.GENERATE_CONTENT || endpoint == Endpoint.EMBED_CONTENT) continue; // below
      app.post(endpoint.path(), ctx -> answer(ctx, simulator, endpoint, ctx.bodyAsBytes()));
    }
    // Gemini's methods: the model and the method share the last segment, {model}:generateContent.
    app.post("/v1beta/models/{call}", ctx -> {
      String call = ctx.pathParam("call");
      int colon = call.lastIndexOf(':');
      Endpoint endpoint = colon < 1 ? null : Endpoint.ofPath("/v1beta/models" + call.substring(colon)).orElse(null);
      if (endpoint == null) throw new NotFoundResponse();
      answer(ctx, simulator, endpoint, withModel(ctx.bodyAsBytes(), call.substring(0, colon)));
    });
    app.get("/v1/models", ctx -> ctx.contentType(JSON).result(modelList));
    Jobs jobs = Jobs.start(simulator, config, clock);
    jobs.openAi().register(app);
    jobs.anthropic().register(app);
    // Not an OpenAI route: what benchmarks and tests read to count the answers, 429s above all, and the jobs.
    app.get("/simulator/stats", ctx -> ctx.json(stats(simulator.answersByStatus(), jobs.counts(simulator),
        simulator.inFlight())));
    app.exception(OpenAiJobRoutes.Refusal.class, (e, ctx) -> ctx.status(e.status).contentType(JSON).result(
        envelopes.error(e.getMessage(), "invalid_request_error", e.param, null)));
    app.exception(AnthropicJobRoutes.Refusal.class, (e, ctx) -> ctx.status(e.status).contentType(JSON).result(
        envelopes.anthropicError(e.type, e.getMessage())));
    // Javalin throws NotFoundResponse for a request no route matches.
    app.exception(NotFoundResponse.class, (e, ctx) -> ctx.status(404).contentType(JSON).result(envelopes.error(
        "Unknown request URL: " + ctx.method() + " " + ctx.path() + ". (Barge simulator)",
        "invalid_request_error", null, "unknown_url")));
    app.exception(Exception.class, (e, ctx) -> ctx.status(500).contentType(JSON).result(
        envelopes.error("Barge simulator failure: " + e, "server_error", null, null)));
    try {
      app.start(host, port);
    } catch (RuntimeException e) {
      jobs.runner().close();
      throw e;
    }
    return new SimulatorServer(app, host, simulator, jobs);
  }

  private static void answer(Context ctx, Simulator simulator, Endpoint endpoint, byte[] body)
      throws InterruptedException, IOException {
    try {
      deliver(ctx, simulator.answer(endpoint, body), simulator.tokenTime());
    } finally {
      simulator.delivered();
    }
  }

  /**
   * A Gemini request body with the model of its URL, where the simulator reads a batch line's; a body that is
   * not a JSON object is left for the simulator to refuse.
   */
  private static byte[] withModel(byte[] body, String model) {
    try {
      if (MAPPER.readTree(body) instanceof ObjectNode request) {
        return MAPPER.writeValueAsBytes(request.put("model", model));
      }
    } catch (IOException notJson) {
      // refused as it is
    }
    return body;
  }

  private static void deliver(Context ctx, SimulatedAnswer answer, Duration tokenTime)
      throws InterruptedException, IOException {
    // Handlers run on virtual threads, so sleeping here costs no platform thread.
    if (answer.delay().isPositive()) Thread.sleep(answer.delay());
    if (answer.reset()) {
      reset(ctx);
      return;
    }
    HttpServletResponse response = ctx.res();
    response.setStatus(answer.status());
    answer.headers().forEach(response::setHeader);
    if (answer.events() != null) {
      stream(response, answer.events(), tokenTime);
      return;
    }
    // Written straight to the servlet stream: Javalin's result() copies through an InputStream, which
    // made up a sixth of the simulator's CPU in benchmarks that use it as a zero-latency backend.
    byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  /**
   * Writes an answer's events one at a time, {@code tokenTime} apart, each flushed as it is written; a
   * stream cut short (a simulated fault) ends without its last events.
   */
  private static void stream(HttpServletResponse response, List<SseEvent> events, Duration tokenTime)
      throws IOException, InterruptedException {
    response.setHeader("cache-control", "no-cache");
    var out = response.getOutputStream();
    for (int i = 0; i < events.size(); i++) {
      if (i > 0 && tokenTime.isPositive()) Thread.sleep(tokenTime);
      out.write(events.get(i).wire());
      out.flush(); // a write to a caller that has gone fails here, and ends the answer
    }
  }

  /**
   * Drops the connection without an answer: with SO_LINGER 0 the close sends a TCP reset, as a crashed
   * server or a load balancer cutting a connection does.
   */
  private static void reset(Context ctx) throws IOException {
    EndPoint endPoint = Request.getBaseRequest(ctx.req()).getHttpChannel().getEndPoint();
    if (endPoint.getTransport() instanceof SocketChannel channel) channel.socket().setSoLinger(true, 0);
    endPoint.close();
  }

  private static Map<String, Object> stats(Map<Integer, Long> answers, JobCounts jobs, int inFlight) {
    return Map.of("answers", answers, "in_flight", inFlight,
        "jobs", Map.of("openai", perApi(jobs.openai()), "anthropic", perApi(jobs.anthropic())),
        "job_requests", jobs.requests(), "files_stored", jobs.filesStored());
  }

  private static Map<String, Long> perApi(JobCounts.PerApi counts) {
    return Map.of("created", counts.created(), "cancelled", counts.cancelled());
  }

  private static String modelList(Set<String> models, long created) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode list = json.createObjectNode().put("object", "list");
    ArrayNode data = list.putArray("data");
    for (String model : models.isEmpty() ? Set.of(ANY_MODEL_NAME) : new TreeSet<>(models)) {
      data.addObject().put("id", model).put("object", "model").put("created", created)
          .put("owned_by", "barge-simulator");
    }
    try {
      return json.writeValueAsString(list);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return app.port();
  }

  /** The OpenAI-style base URL, ending in {@code /v1}. */
  public String baseUrl() {
    return "http://" + host + ":" + port() + "/v1";
  }

  @Override
  public void close() {
    app.stop();
    jobs.runner().close();
  }
}
