package dev.barge.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.batch.BatchService;
import dev.barge.batch.CreateBatch;
import dev.barge.config.TimeWindow;
import dev.barge.store.BatchRecord;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
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

  private final BatchService batches;

  BatchesRoutes(BatchService batches) {
    this.batches = batches;
  }

  void register(Javalin app) {
    app.post("/v1/batches", this::create);
    app.get("/v1/batches", this::list);
    app.get("/v1/batches/{batch_id}", ctx -> ctx.json(render(batches.get(Auth.project(ctx),
        ctx.pathParam("batch_id")))));
    app.post("/v1/batches/{batch_id}/cancel", ctx -> ctx.json(render(batches.cancel(Auth.project(ctx),
        ctx.pathParam("batch_id")))));
  }

  private void create(Context ctx) {
    JsonNode body = jsonObject(ctx);
    CreateBatch request = new CreateBatch(
        requiredString(body, "input_file_id"),
        requiredString(body, "endpoint"),
        requiredString(body, "completion_window"),
        metadata(body.get("metadata")),
        outputExpiresAfter(body.get("output_expires_after")),
        priority(body.get("priority")),
        windows(body.get("windows")));
    BatchRecord batch = batches.create(Auth.project(ctx), request);
    ctx.json(render(batch));
  }

  private void list(Context ctx) {
    int limit = Params.limit(ctx, 20, 100);
    ctx.json(Wire.list(batches.list(Auth.project(ctx), Params.optional(ctx, "after"), limit), this::render,
        BatchRecord::id));
  }

  private ObjectNode render(BatchRecord batch) {
    return Wire.batch(batch, batches.estimate(batch));
  }

  static JsonNode jsonObject(Context ctx) {
    JsonNode body;
    try {
      body = Wire.JSON.readTree(ctx.bodyInputStream());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw ApiException.badRequest(null, "The request body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.badRequest(null, "The request body could not be read: " + e.getMessage());
    }
    if (body == null || !body.isObject()) throw ApiException.badRequest(null, "The request body must be a JSON object.");
    return body;
  }

  private static String requiredString(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) throw ApiException.missing(field);
    if (!value.isTextual()) throw ApiException.badRequest(field, "'" + field + "' must be a string.");
    return value.asText();
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
        windows.add(TimeWindow.parse(w.isTextual() ? w.textValue() : w.toString()));
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("windows", "'windows': " + e.getMessage() + ".");
      }
    }
    return windows;
  }

  /** Extension: the batch's weight against other batches of its project, 1 to 100. */
  private static Integer priority(JsonNode node) {
    if (node == null || node.isNull()) return null;
    if (!node.isIntegralNumber() || node.asLong() < 1 || node.asLong() > MAX_PRIORITY) {
      throw ApiException.badRequest("priority", "'priority' must be a whole number from 1 to " + MAX_PRIORITY
          + " (a batch's weight against the other batches of its project); got " + node + ".");
    }
    return node.intValue();
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
        throw ApiException.badRequest("metadata", "metadata key '" + e.getKey() + "' is longer than "
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
    JsonNode seconds = node.get("seconds");
    if (!seconds.canConvertToExactIntegral() || seconds.asLong() < MIN_OUTPUT_EXPIRY
        || seconds.asLong() > MAX_OUTPUT_EXPIRY) {
      throw ApiException.badRequest(param, "'output_expires_after.seconds' must be an integer from "
          + MIN_OUTPUT_EXPIRY + " to " + MAX_OUTPUT_EXPIRY + ".");
    }
    return seconds.asLong();
  }
}
