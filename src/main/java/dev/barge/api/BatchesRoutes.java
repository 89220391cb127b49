package dev.barge.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.batch.BatchFeed;
import dev.barge.batch.BatchPaths;
import dev.barge.batch.BatchService;
import dev.barge.batch.CreateBatch;
import dev.barge.batch.Excerpt;
import dev.barge.batch.IdempotencyKeys;
import dev.barge.batch.PartialResults;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.CacheMode;
import dev.barge.batch.model.Canary;
import dev.barge.config.CanaryConfig;
import dev.barge.config.ProjectConfig;
import dev.barge.config.TimeWindow;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /v1/batches}: create, retrieve, list, cancel (spec §3). */
final class BatchesRoutes {
  private static final int MAX_METADATA_PAIRS = 16;
  private static final int MAX_PRIORITY = 100;
  private static final int MAX_WINDOWS = 16;
  private static final int MAX_METADATA_KEY = 64;
  private static final int MAX_METADATA_VALUE = 512;
  private static final long MIN_OUTPUT_EXPIRY = 3600;
  private static final long MAX_OUTPUT_EXPIRY = 2_592_000;

  private static final int MAX_CANARY = CanaryConfig.MAX_SIZE;
  private static final long KEEP_ALIVE_MS = 15_000;
  /**
   * Lines per page of partial results, held in memory while the page is written: 1,000 answers of even a few
   * kilobytes each is megabytes already. More is refused (400 naming {@code limit}), not quietly cut.
   */
  private static final int MAX_PARTIAL_LINES = 1000;
  private static final BigDecimal MAX_USD = ProjectConfig.MAX_USD;
  private static final int MAX_USD_DECIMALS = 12;
  private static final int MAX_RATE_DECIMALS = 6;
  private static final JsonBody BODY = new JsonBody(JsonBody.CONTROL_MAX_BYTES, null);

  private final BatchService batches;
  private final BatchPaths paths;
  private final CanaryConfig defaultCanary;
  private final IdempotencyKeys idempotencyKeys;

  BatchesRoutes(BatchService batches, BatchPaths paths, CanaryConfig defaultCanary,
      IdempotencyKeys idempotencyKeys) {
    this.batches = batches;
    this.paths = paths;
    this.defaultCanary = defaultCanary;
    this.idempotencyKeys = idempotencyKeys;
  }

  void register(Javalin app) {
    app.post("/v1/batches", this::create);
    app.get("/v1/batches", this::list);
    app.get("/v1/batches/{batch_id}", ctx -> ctx.json(render(batches.get(Auth.project(ctx),
        ctx.pathParam("batch_id")))));
    app.post("/v1/batches/{batch_id}/budget", this::setBudget);
    app.get("/v1/batches/{batch_id}/events", this::events);
    app.get("/v1/batches/{batch_id}/partial", this::partial);
    app.get("/v1/batches/{batch_id}/errors", ctx -> {
      ObjectNode o = Wire.JSON.createObjectNode().put("object", "list");
      ArrayNode data = o.putArray("data");
      batches.errorGroups(Auth.project(ctx), ctx.pathParam("batch_id")).forEach(g ->
          data.addObject().put("code", g.code()).put("count", g.count()).put("example", g.example()));
      ctx.json(o);
    });
    app.post("/v1/batches/{batch_id}/cancel", ctx -> ctx.json(render(batches.cancel(Auth.project(ctx),
        ctx.pathParam("batch_id")))));
  }

  private void create(Context ctx) throws IOException {
    IdempotentCreate create = IdempotentCreate.of(ctx, "POST /v1/batches", idempotencyKeys);
    JsonBody.Bytes read = BODY.bytes(ctx);
    create.add(read.bytes());
    JsonNode body = read.object();
    CreateBatch request = new CreateBatch(
        requiredString(body, "input_file_id"),
        requiredString(body, "endpoint"),
        requiredString(body, "completion_window"),
        metadata(body.get("metadata")),
        outputExpiresAfter(body.get("output_expires_after")),
        priority(body.get("priority")),
        windows(body.get("windows")),
        usd(body.get("max_cost_usd"), "max_cost_usd"),
        canary(body.get("canary")),
        cache(body.get("cache")));
    String project = Auth.project(ctx);
    if (dryRun(body.get("dry_run"))) { // creates nothing, so there is nothing for a key to stand for
      ctx.json(Wire.dryRun(request, batches.dryRun(project, request)));
      return;
    }
    create.answer(ctx, key -> batches.create(project, request, key), id -> batches.get(project, id), this::render);
  }

  /**
   * Extension: {@code "cache": true} answers the lines whose answer does not depend on chance from earlier
   * answers to the same request, {@code "always"} every line, {@code false} none.
   */
  static CacheMode cache(JsonNode node) {
    if (node == null || node.isNull()) return null;
    if (node.isBoolean()) return node.booleanValue() ? CacheMode.DETERMINISTIC : CacheMode.OFF;
    if (node.isTextual() && node.textValue().equals("always")) return CacheMode.ALWAYS;
    throw ApiException.badRequest("cache", "'cache' must be true, false or \"always\", not " + node + ".");
  }

  /** Extension: {@code "dry_run": true} checks the batch and answers what it would be, queueing nothing. */
  private static boolean dryRun(JsonNode node) {
    if (node == null || node.isNull()) return false;
    if (!node.isBoolean()) throw ApiException.badRequest("dry_run", "'dry_run' must be true or false.");
    return node.booleanValue();
  }

  /**
   * Extension: the batch's progress as server-sent events: a {@code progress} event with the Batch object
   * at once and whenever it changes, an {@code end} event when it ends (then the stream closes), and a
   * comment line every 15 s so proxies keep the connection open.
   */
  private void events(Context ctx) throws IOException, InterruptedException {
    // A 404, or a 429 past the project's open streams, comes before the stream starts.
    try (BatchFeed.Watch watch = batches.watch(Auth.project(ctx), ctx.pathParam("batch_id"))) {
      ctx.contentType("text/event-stream").header("Cache-Control", "no-cache").header("X-Accel-Buffering", "no");
      OutputStream out = ctx.res().getOutputStream();
      String last = null;
      long quietSince = System.currentTimeMillis();
      for (BatchRecord batch = watch.latest(); ; batch = watch.next()) {
        String json = render(batch).toString();
        boolean ended = batch.status().terminal();
        if (!json.equals(last) || ended) {
          out.write(("event: " + (ended ? "end" : "progress") + "\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
          last = json;
          quietSince = System.currentTimeMillis();
        } else if (System.currentTimeMillis() - quietSince >= KEEP_ALIVE_MS) {
          out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
          out.flush();
          quietSince = System.currentTimeMillis();
        }
        if (ended) return;
      }
    }
  }

  /**
   * Extension: results finished so far, as output lines (JSONL), after line {@code after_line}; the header
   * {@code barge-next-after-line} is where to ask next, {@code barge-has-more} whether lines follow.
   */
  private void partial(Context ctx) throws IOException {
    int after = nonNegative(ctx, "after_line");
    int limit = Params.limit(ctx, MAX_PARTIAL_LINES, MAX_PARTIAL_LINES);
    String id = ctx.pathParam("batch_id");
    PartialResults page = batches.partial(Auth.project(ctx), id, after, limit);
    ctx.contentType("application/jsonl").header("barge-next-after-line", Integer.toString(page.nextAfterLine()))
        .header("barge-has-more", Boolean.toString(page.more()));
    page.writeTo(id, ctx.res().getOutputStream());
  }

  private static int nonNegative(Context ctx, String name) {
    String raw = ctx.queryParam(name);
    if (raw == null) return 0;
    try {
      int value = Integer.parseInt(raw.trim());
      if (value >= 0) return value;
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw ApiException.badRequest(name, "Invalid '" + name + "': '" + Excerpt.of(raw)
        + "'; use a line number (0 or more).");
  }

  /** Extension: {@code {"max_cost_usd": "12.50"}} sets a batch's budget, {@code null} removes it. */
  private void setBudget(Context ctx) throws IOException {
    JsonNode body = BODY.object(ctx);
    if (!body.has("max_cost_usd")) throw ApiException.missing("max_cost_usd");
    ctx.json(render(batches.setBudget(Auth.project(ctx), ctx.pathParam("batch_id"),
        usd(body.get("max_cost_usd"), "max_cost_usd"))));
  }

  /**
   * An amount of US dollars, as a JSON number or a decimal string (exact either way); positive, at most
   * 12 decimals (a picodollar, what Barge counts in).
   */
  private static BigDecimal usd(JsonNode node, String field) {
    if (node == null || node.isNull()) return null;
    BigDecimal usd = CallerNumbers.decimal(node, true, MAX_USD_DECIMALS, MAX_USD);
    if (usd == null || usd.signum() <= 0) {
      throw ApiException.badRequest(field, "'" + field + "' must be an amount of US dollars above 0 and at most "
          + MAX_USD.toPlainString() + " with at most " + MAX_USD_DECIMALS + " decimals, as a number or a decimal"
          + " string such as \"12.50\"; got " + Excerpt.of(node.toString()) + ".");
    }
    return usd;
  }

  /**
   * Extension: {@code false} runs no canary, {@code true} the server's default canary even for a small
   * batch, and {@code {"size": 20, "max_failure_rate": 0.5}} one of this size and rate (either may be left out).
   */
  private Canary canary(JsonNode node) {
    if (node == null || node.isNull()) return Canary.DEFAULT;
    if (node.isBoolean()) return node.booleanValue() ? new Canary(defaultCanary.size(), null, null, null) : Canary.OFF;
    if (!node.isObject()) throw badCanary(node);
    JsonNode size = node.get("size");
    JsonNode rate = node.get("max_failure_rate");
    Long sampleSize = absent(size) ? Long.valueOf(defaultCanary.size()) : CallerNumbers.whole(size, 1, MAX_CANARY);
    BigDecimal maxRate = absent(rate) ? null : CallerNumbers.decimal(rate, false, MAX_RATE_DECIMALS, BigDecimal.ONE);
    boolean badRate = !absent(rate) && (maxRate == null || maxRate.signum() < 0);
    if (sampleSize == null || badRate) throw badCanary(node);
    return new Canary(sampleSize.intValue(), maxRate, null, null);
  }

  private static boolean absent(JsonNode node) {
    return node == null || node.isNull();
  }

  private static ApiException badCanary(JsonNode node) {
    return ApiException.badRequest("canary", "'canary' must be true, false, or an object with 'size' (1 to "
        + MAX_CANARY + " lines) and 'max_failure_rate' (0 to 1, at most " + MAX_RATE_DECIMALS + " decimals); got "
        + Excerpt.of(node.toString()) + ".");
  }

  private void list(Context ctx) {
    int limit = Params.limit(ctx, 20, 100);
    ctx.json(Wire.list(batches.list(Auth.project(ctx), Params.optional(ctx, "after"), limit), this::render,
        BatchRecord::id));
  }

  private ObjectNode render(BatchRecord batch) {
    return Wire.batch(batch, batches.estimate(batch), paths.of(batch.id()));
  }

  private static String requiredString(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) throw ApiException.missing(field);
    if (!value.isTextual()) throw ApiException.badRequest(field, "'" + field + "' must be a string.");
    if (value.textValue().indexOf('\0') >= 0) {
      throw ApiException.badRequest(field, "'" + field + "' must not contain a NUL character (\\u0000).");
    }
    return value.textValue();
  }

  /** Extension: the daily windows the batch may run in, e.g. {@code ["22:00-06:00 Europe/Berlin"]}. */
  private static List<TimeWindow> windows(JsonNode node) {
    if (node == null || node.isNull()) return List.of();
    if (!node.isArray() || node.isEmpty() || node.size() > MAX_WINDOWS) {
      throw ApiException.badRequest("windows", "'windows' must be a list of 1 to " + MAX_WINDOWS
          + " time windows such as \"22:00-06:00 Europe/Berlin\".");
    }
    List<TimeWindow> windows = new ArrayList<>();
    for (JsonNode w : node) {
      try {
        // Cut first: no window is 200 characters long, and the message quotes what was parsed.
        windows.add(TimeWindow.parse(Excerpt.of(w.isTextual() ? w.textValue() : w.toString())));
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("windows", "'windows': " + e.getMessage() + ".");
      }
    }
    return windows;
  }

  /** Extension: the batch's weight against other batches of its project, 1 to 100. */
  private static Integer priority(JsonNode node) {
    if (node == null || node.isNull()) return null;
    Long priority = CallerNumbers.whole(node, 1, MAX_PRIORITY);
    if (priority == null) {
      throw ApiException.badRequest("priority", "'priority' must be a whole number from 1 to " + MAX_PRIORITY
          + " (a batch's weight against the other batches of its project); got " + Excerpt.of(node.toString()) + ".");
    }
    return priority.intValue();
  }

  private static Map<String, String> metadata(JsonNode node) {
    if (node == null || node.isNull()) return null;
    if (!node.isObject()) throw ApiException.badRequest("metadata", "'metadata' must be an object of strings.");
    if (node.size() > MAX_METADATA_PAIRS) {
      throw ApiException.badRequest("metadata", "'metadata' may hold at most " + MAX_METADATA_PAIRS + " pairs.");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (var it = node.fields(); it.hasNext(); ) {
      var e = it.next();
      if (e.getKey().length() > MAX_METADATA_KEY) {
        throw ApiException.badRequest("metadata", "metadata key '" + Excerpt.of(e.getKey()) + "' is longer than "
            + MAX_METADATA_KEY + " characters.");
      }
      if (!e.getValue().isTextual()) {
        throw ApiException.badRequest("metadata", "metadata value of '" + e.getKey() + "' must be a string.");
      }
      if (e.getValue().asText().length() > MAX_METADATA_VALUE) {
        throw ApiException.badRequest("metadata", "metadata value of '" + e.getKey() + "' is longer than "
            + MAX_METADATA_VALUE + " characters.");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  private static Long outputExpiresAfter(JsonNode node) {
    if (node == null || node.isNull()) return null;
    String param = "output_expires_after";
    if (!node.isObject()) throw ApiException.badRequest(param, "'output_expires_after' must be an object.");
    if (!node.hasNonNull("anchor")) throw ApiException.missing(param + ".anchor");
    if (!node.hasNonNull("seconds")) throw ApiException.missing(param + ".seconds");
    if (!"created_at".equals(node.get("anchor").asText())) {
      throw ApiException.badRequest(param, "'output_expires_after.anchor' must be 'created_at'.");
    }
    Long seconds = CallerNumbers.whole(node.get("seconds"), MIN_OUTPUT_EXPIRY, MAX_OUTPUT_EXPIRY);
    if (seconds == null) {
      throw ApiException.badRequest(param, "'output_expires_after.seconds' must be an integer from "
          + MIN_OUTPUT_EXPIRY + " to " + MAX_OUTPUT_EXPIRY + ".");
    }
    return seconds;
  }
}
