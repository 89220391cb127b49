package dev.barge.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.batch.BatchService;
import dev.barge.batch.IdempotencyKeys;
import dev.barge.batch.InlineBatches;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.CacheMode;
import dev.barge.batch.model.RequestState;
import dev.barge.store.Page;
import dev.barge.upstream.Endpoint;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The Anthropic Message Batches API (spec anthropic-batch-api): create, retrieve, list, cancel, delete and
 * results of {@code /v1/messages/batches}, on the same engine as every batch. {@code ?beta=true} and the
 * {@code anthropic-version} / {@code anthropic-beta} headers are accepted and change nothing.
 */
final class MessageBatchesRoutes {
  private static final String BASE = "/v1/messages/batches";
  private static final JsonBody BODY = new JsonBody(256L * 1024 * 1024, null);
  private static final Pattern CUSTOM_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

  private final InlineBatches batches;
  private final int maxRequests;
  private final Supplier<String> publicBase;
  private final IdempotencyKeys idempotencyKeys;

  /**
   * @param maxRequests the most requests a batch may hold (at most 100,000, as hosted)
   * @param publicBase where clients reach this server, for {@code results_url}; empty for a relative URL
   */
  MessageBatchesRoutes(InlineBatches batches, int maxRequests, Supplier<String> publicBase,
      IdempotencyKeys idempotencyKeys) {
    this.batches = batches;
    this.maxRequests = Math.min(100_000, maxRequests);
    this.publicBase = publicBase;
    this.idempotencyKeys = idempotencyKeys;
  }

  void register(Javalin app) {
    app.post(BASE, this::create);
    app.get(BASE, this::list);
    app.get(BASE + "/{id}", ctx -> ctx.json(render(batches.get(Auth.project(ctx), ctx.pathParam("id")))));
    app.post(BASE + "/{id}/cancel", ctx -> ctx.json(render(batches.cancel(Auth.project(ctx), ctx.pathParam("id")))));
    app.delete(BASE + "/{id}", this::delete);
    app.get(BASE + "/{id}/results", this::results);
  }

  /**
   * Checks what must be right at once (spec §2) while the body streams in, each request written to the
   * batch's input as it is read; {@code params} are checked later, one request at a time.
   */
  private void create(Context ctx) throws IOException {
    IdempotentCreate create = IdempotentCreate.of(ctx, "POST " + BASE, idempotencyKeys);
    String project = Auth.project(ctx);
    InputStream body = create.reading(BODY.stream(ctx));
    try (JsonParser p = BODY.parser(body); InlineBatches.Draft draft = batches.draft(project, Endpoint.MESSAGES)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw ApiException.badRequest(null, "The request body must be a JSON object.");
      }
      boolean sawRequests = false;
      CacheMode cache = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("cache")) { // Barge's extension, as on POST /v1/batches
          cache = BatchesRoutes.cache(BODY.readTree(p));
          continue;
        }
        if (!field.equals("requests") || value == JsonToken.VALUE_NULL) {
          p.skipChildren();
          continue;
        }
        if (value != JsonToken.START_ARRAY) throw ApiException.badRequest("requests", "requests: Input should be a valid list");
        sawRequests = true;
        readRequests(p, draft);
      }
      if (!sawRequests) throw ApiException.badRequest("requests", "requests: Field required");
      CacheMode finalCache = cache;
      body.transferTo(OutputStream.nullOutputStream()); // what follows the object too, so a fingerprint is all of it
      create.answer(ctx, key -> draft.create(null, finalCache, key), id -> batches.get(project, id), this::render);
    } catch (JsonProcessingException e) {
      throw BODY.notJson(e);
    }
  }

  private void readRequests(JsonParser p, InlineBatches.Draft draft) throws IOException {
    Set<String> seen = new HashSet<>();
    int i = 0;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (i == maxRequests) throw countError(i + 1);
      JsonNode item = BODY.readTree(p);
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
      draft.add(customId.textValue(), params);
      i++;
    }
    if (i == 0) throw countError(0);
  }

  private ApiException countError(int count) {
    return ApiException.badRequest("requests", "requests: List should have between 1 and " + maxRequests
        + " items, not " + (count == 0 ? "0" : "more"));
  }

  private void list(Context ctx) {
    int limit = Params.limit(ctx, 20, 1000);
    String after = Params.optional(ctx, "after_id");
    String before = Params.optional(ctx, "before_id");
    if (after != null && before != null) {
      throw ApiException.badRequest("before_id", "Give after_id or before_id, not both.");
    }
    Page<BatchRecord> page = batches.list(Auth.project(ctx), after, before, limit);
    var counts = batches.counts(page.items());
    ObjectNode o = Wire.JSON.createObjectNode();
    ArrayNode data = o.putArray("data");
    page.items().forEach(b -> data.add(render(b, counts.get(b.id()))));
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
    BatchService.requireResults(batch); // before the answer starts: a 404, not a cut stream
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

  private ObjectNode render(BatchRecord b) {
    return render(b, batches.counts(b));
  }

  private ObjectNode render(BatchRecord b, Map<RequestState, Integer> counts) {
    // Barge's own URL, never one a request could choose: the SDKs send the key there.
    String resultsUrl = publicBase.get() + BASE + "/" + b.id() + "/results";
    return AnthropicWire.batch(b, counts, resultsUrl);
  }
}
