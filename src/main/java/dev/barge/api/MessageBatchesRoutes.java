package dev.barge.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.batch.MessageBatches;
import dev.barge.store.BatchRecord;
import dev.barge.store.Page;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Anthropic Message Batches API (spec anthropic-batch-api): create, retrieve, list, cancel, delete and
 * results of {@code /v1/messages/batches}, on the same engine as every batch. {@code ?beta=true} and the
 * {@code anthropic-version} / {@code anthropic-beta} headers are accepted and change nothing.
 */
final class MessageBatchesRoutes {
  private static final String BASE = "/v1/messages/batches";
  private static final int MAX_REQUESTS = 100_000;
  private static final Pattern CUSTOM_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

  private final MessageBatches batches;

  MessageBatchesRoutes(MessageBatches batches) {
    this.batches = batches;
  }

  void register(Javalin app) {
    app.post(BASE, this::create);
    app.get(BASE, this::list);
    app.get(BASE + "/{id}", ctx -> ctx.json(render(ctx, batches.get(Auth.project(ctx), ctx.pathParam("id")))));
    app.post(BASE + "/{id}/cancel", ctx -> ctx.json(render(ctx, batches.cancel(Auth.project(ctx), ctx.pathParam("id")))));
    app.delete(BASE + "/{id}", this::delete);
    app.get(BASE + "/{id}/results", this::results);
  }

  /** Checks what must be right at once (spec §2) and writes the requests as batch lines; params are checked later. */
  private void create(Context ctx) {
    JsonNode body = BatchesRoutes.jsonObject(ctx);
    JsonNode requests = body.get("requests");
    if (requests == null || requests.isNull()) throw ApiException.badRequest("requests", "requests: Field required");
    if (!requests.isArray()) throw ApiException.badRequest("requests", "requests: Input should be a valid list");
    if (requests.isEmpty() || requests.size() > MAX_REQUESTS) {
      throw ApiException.badRequest("requests", "requests: List should have between 1 and " + MAX_REQUESTS
          + " items, not " + requests.size());
    }
    ByteArrayOutputStream lines = new ByteArrayOutputStream();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < requests.size(); i++) {
      JsonNode item = requests.get(i);
      String at = "requests." + i;
      if (!item.isObject()) throw ApiException.badRequest(at, at + ": Input should be a valid dictionary");
      JsonNode customId = item.get("custom_id");
      JsonNode params = item.get("params");
      if (customId == null || customId.isNull()) throw ApiException.badRequest(at, at + ".custom_id: Field required");
      if (params == null || params.isNull()) throw ApiException.badRequest(at, at + ".params: Field required");
      if (!customId.isTextual() || !CUSTOM_ID.matcher(customId.textValue()).matches()) {
        throw ApiException.badRequest(at, at + ".custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'");
      }
      if (!params.isObject()) throw ApiException.badRequest(at, at + ".params: Input should be a valid dictionary");
      if (!seen.add(customId.textValue())) {
        throw ApiException.badRequest(at, at + ".custom_id: Duplicate custom_id '" + customId.textValue()
            + "'; each request in a batch needs its own.");
      }
      ObjectNode line = Wire.JSON.createObjectNode().put("custom_id", customId.textValue()).put("method", "POST")
          .put("url", "/v1/messages");
      line.set("body", params);
      lines.writeBytes(line.toString().getBytes(StandardCharsets.UTF_8));
      lines.write('\n');
    }
    ctx.json(render(ctx, batches.create(Auth.project(ctx), lines.toByteArray(), requests.size())));
  }

  private void list(Context ctx) {
    int limit = Params.limit(ctx, 20, 1000);
    String after = Params.optional(ctx, "after_id");
    String before = Params.optional(ctx, "before_id");
    if (after != null && before != null) {
      throw ApiException.badRequest("before_id", "Give after_id or before_id, not both.");
    }
    Page<BatchRecord> page = batches.list(Auth.project(ctx), after, before, limit);
    ObjectNode o = Wire.JSON.createObjectNode();
    ArrayNode data = o.putArray("data");
    page.items().forEach(b -> data.add(render(ctx, b)));
    o.put("has_more", page.hasMore());
    o.put("first_id", page.items().isEmpty() ? null : page.items().getFirst().id());
    o.put("last_id", page.items().isEmpty() ? null : page.items().getLast().id());
    ctx.json(o);
  }

  private void delete(Context ctx) {
    String id = ctx.pathParam("id");
    batches.delete(Auth.project(ctx), id);
    ctx.json(Wire.JSON.createObjectNode().put("id", id).put("type", "message_batch_deleted"));
  }

  /** The results as JSONL, streamed from the request rows, one line per request. */
  private void results(Context ctx) throws IOException {
    BatchRecord batch = batches.get(Auth.project(ctx), ctx.pathParam("id"));
    if (!batch.status().terminal()) {
      throw ApiException.badRequest(null, "Batch " + batch.id() + " has not ended yet; its results are available"
          + " once processing_status is 'ended'.");
    }
    ctx.contentType("application/x-jsonl");
    OutputStream out = ctx.res().getOutputStream();
    batches.forEachResult(batch, row -> {
      try {
        out.write(AnthropicWire.resultLine(row).toString().getBytes(StandardCharsets.UTF_8));
        out.write('\n');
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    out.flush();
  }

  private ObjectNode render(Context ctx, BatchRecord b) {
    // Barge's own absolute URL, from the host the caller used: never another host (the key goes there).
    String resultsUrl = ctx.scheme() + "://" + ctx.host() + BASE + "/" + b.id() + "/results";
    return AnthropicWire.batch(b, batches.counts(b), resultsUrl);
  }
}
