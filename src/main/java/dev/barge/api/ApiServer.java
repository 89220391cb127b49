package dev.barge.api;

import dev.barge.background.LogThrottle;
import dev.barge.batch.BudgetExceededException;
import dev.barge.batch.Ids;
import dev.barge.batch.InvalidRequestException;
import dev.barge.batch.NotFoundException;
import dev.barge.batch.TooManyRequestsException;
import dev.barge.config.BargeConfig;
import dev.barge.config.ConfigException;
import dev.barge.config.ServerConfig;
import dev.barge.engine.Engine;
import dev.barge.http.ServerThreads;
import dev.barge.store.DatabaseBusyException;
import dev.barge.store.DatabaseFullException;
import dev.barge.upstream.GeminiAnswers;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API: OpenAI's Files and Batches and Anthropic's Message Batches under {@code /v1}, Gemini's
 * batches and files under {@code /v1beta} (and {@code /v1}), the interactive calls beside them.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

  private final Javalin app;

  private ApiServer(Javalin app) {
    this.app = app;
  }

  /** Starts serving {@code engine} on the configured host and port (0 picks a free port). */
  public static ApiServer start(Engine engine, BargeConfig config) {
    String host = config.server().host();
    if (config.auth().open() && !isLoopback(host)) {
      throw new ConfigException("server.host: " + host + " is reachable from other machines, but auth.api_keys is"
          + " empty; configure API keys (e.g. BARGE_AUTH_API_KEYS) or listen on 127.0.0.1");
    }
    Auth auth = new Auth(config.auth());
    Javalin app = Javalin.create(c -> {
      c.jetty.threadPool = ServerThreads.pool("barge-api");
      c.showJavalinBanner = false;
      c.http.disableCompression(); // file downloads stream as they are
      c.http.maxRequestSize = 64L * 1024 * 1024;
      // The dashboard: static files bundled in the jar, nothing fetched from elsewhere.
      c.staticFiles.add(files -> {
        files.hostedPath = "/";
        files.directory = "/web";
        files.location = Location.CLASSPATH;
      });
    });
    app.before(ctx -> {
      String requestId = Ids.request();
      ctx.header("x-request-id", requestId);
      if (AnthropicWire.isAnthropicPath(ctx.path())) ctx.header("request-id", requestId); // the Anthropic name
      if (ctx.path().startsWith("/v1") || GeminiWire.isGeminiPath(ctx.path())) {
        // API answers are data for programs: never sniffed as another type by a browser, never cached on the way.
        ctx.header("X-Content-Type-Options", "nosniff").header("Cache-Control", "no-store");
      } else {
        // The dashboard is never shown inside another site's page (its key is in this browser).
        ctx.header("X-Frame-Options", "DENY").header("Content-Security-Policy", "frame-ancestors 'none'");
      }
    });
    // The API's paths: OpenAI's and Anthropic's under /v1, Gemini's under /v1beta (and /v1), /upload and /download.
    String[] apiPaths = {"/v1/*", "/v1beta/*", "/upload/*", "/download/*"};
    if (config.auth().open()) {
      LoopbackGuard guard = new LoopbackGuard(config.server().publicBaseUrl());
      app.before(guard::checkHost);
      for (String path : apiPaths) app.before(path, guard::checkSite);
      app.before("/metrics", guard::checkSite);
    }
    for (String path : apiPaths) {
      app.before(path, Params::refuseNul);
      app.before(path, auth::authenticate);
    }
    app.before("/metrics", ctx -> { // with keys configured, a scraper sends an admin key as a bearer token
      auth.authenticate(ctx);
      Auth.requireAdmin(ctx, "/metrics");
    });
    new FilesRoutes(engine.files(), engine.idempotencyKeys()).register(app);
    new BatchesRoutes(engine.batches(), engine.batchPaths(), config.batch().canary(), engine.idempotencyKeys()).register(app);
    new SpendRoutes(engine).register(app);
    app.get("/v1/barge/backends", ctx -> {
      Auth.requireAdmin(ctx, "GET /v1/barge/backends");
      ctx.json(Wire.backends(engine.backendStatuses()));
    });
    String[] publicBase = {""};
    new MessageBatchesRoutes(engine.messageBatches(), config.batch().maxRequests(), () -> publicBase[0],
        engine.idempotencyKeys()).register(app);
    new GeminiBatchesRoutes(engine.geminiBatches(), engine.files(), config.batch().maxRequests()).register(app);
    new GeminiFilesRoutes(engine.files(), () -> publicBase[0]).register(app);
    new InteractiveRoutes(engine, config.server().maxRequestBytes()).register(app);
    // For load balancers (no key) and Prometheus (an admin key, when there are keys).
    app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(engine.scrapeMetrics()));
    app.get("/healthz", ctx -> ctx.result("ok"));
    app.get("/readyz", ctx -> {
      boolean ready = engine.ready();
      ctx.status(ready ? 200 : 503).result(ready ? "ready" : "the database does not answer");
    });
    registerErrors(app);
    app.start(host, config.server().port());
    publicBase[0] = publicBase(config.server(), host, app.port());
    log.info("Barge API listening on http://{}:{}/v1", host, app.port());
    return new ApiServer(app);
  }

  static void registerErrors(Javalin app) {
    app.exception(ApiException.class, (e, ctx) -> fail(ctx, e.status(), e.type(), e.getMessage(), e.param(), e.code()));
    app.exception(InvalidRequestException.class, (e, ctx) ->
        fail(ctx, 400, "invalid_request_error", e.getMessage(), e.param(), e.code()));
    app.exception(TooManyRequestsException.class, (e, ctx) -> {
      retryAfter(ctx, e.retryAfter());
      fail(ctx, 429, "requests", e.getMessage(), null, "rate_limit_exceeded");
    });
    app.exception(BudgetExceededException.class, (e, ctx) -> {
      fail(ctx, 429, "insufficient_quota", e.getMessage(), null, "budget_exceeded");
      ctx.header("x-should-retry", "false"); // no retry helps before the budget is raised or the day ends
    });
    app.exception(IncompleteBody.class, (e, ctx) -> {
      log.info("{} {}: the client stopped sending its body ({})", ctx.method(), ctx.path(), e.getMessage());
      fail(ctx, 400, "invalid_request_error", "The request body ended before it was complete.", null, "incomplete_body");
    });
    // Every connection of the API's pool stayed busy: a moment of overload, not a failure. The SDKs retry a
    // 503 and honour retry-after.
    LogThrottle busyLog = new LogThrottle(); // an overload, not a line per request
    app.exception(DatabaseBusyException.class, (e, ctx) -> {
      if (busyLog.due()) {
        log.warn("{} {}: {} (answered 503; {})", ctx.method(), ctx.path(), e.getMessage(), LogThrottle.MORE_NOT_LOGGED);
      }
      retryAfter(ctx, e.retryAfter());
      fail(ctx, 503, "server_error", "The server is busy; try again in " + Math.max(1, e.retryAfter().toSeconds())
          + "s.", null, "overloaded");
    });
    // The database's disk is full: nothing can be saved, and nothing saved is lost. An operator must free space.
    LogThrottle fullLog = new LogThrottle();
    app.exception(DatabaseFullException.class, (e, ctx) -> {
      if (fullLog.due()) {
        log.error("{} {}: {} (answered 503; {})", ctx.method(), ctx.path(), e.getMessage(), LogThrottle.MORE_NOT_LOGGED);
      }
      retryAfter(ctx, DatabaseFullException.RETRY_AFTER);
      fail(ctx, 503, "server_error", "Barge cannot save anything now: the disk holding its database is full."
          + " Nothing accepted so far is lost; try again once space is freed.", null, "database_full");
    });
    app.exception(NotFoundException.class, (e, ctx) ->
        fail(ctx, 404, "invalid_request_error", e.getMessage(), e.param(), null));
    // Javalin's own answers, e.g. NotFoundResponse when no route matches.
    app.exception(HttpResponseException.class, (e, ctx) -> fail(ctx, e.getStatus(), "invalid_request_error",
        e.getStatus() == 404 ? "Unknown request URL: " + ctx.method() + " " + ctx.path() + "." : e.getMessage(),
        null, null));
    app.exception(Exception.class, (e, ctx) -> {
      log.error("{} {} failed", ctx.method(), ctx.path(), e);
      fail(ctx, 500, "server_error", "The server had an error while processing your request.", null, null);
    });
  }

  private static void retryAfter(Context ctx, Duration wait) {
    long ms = Math.max(1, wait.toMillis());
    ctx.header("retry-after-ms", Long.toString(ms));
    ctx.header("retry-after", Long.toString(Math.max(1, (ms + 999) / 1000)));
  }

  private static void fail(Context ctx, int status, String type, String message, String param, String code) {
    ctx.status(status);
    // Barge's 409s (an Idempotency-Key reused for another request) are final too, though SDKs retry 409s.
    if (status >= 400 && status < 500 && status != 408 && status != 429) {
      ctx.header("x-should-retry", "false"); // the SDKs would otherwise resend a request that cannot succeed
    }
    if (AnthropicWire.isAnthropicPath(ctx.path())) {
      ctx.json(AnthropicWire.error(status, message, ctx.res().getHeader("x-request-id")));
    } else if (GeminiWire.isGemini(ctx)) {
      ctx.contentType("application/json").result(GeminiAnswers.error(status, message));
    } else {
      ctx.json(Wire.error(type, message, param, code));
    }
  }

  /**
   * Where clients reach this server, for URLs it hands out: {@code server.public_base_url}, else its own
   * listening address; empty (relative URLs) when it listens on every address and so has no one name.
   */
  private static String publicBase(ServerConfig server, String host, int port) {
    if (server.publicBaseUrl() != null) return server.publicBaseUrl();
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) return "";
    return "http://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new ConfigException("server.host: cannot resolve '" + host + "'");
    }
  }

  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }
}
