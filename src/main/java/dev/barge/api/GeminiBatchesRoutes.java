package dev.barge.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.batch.FileService;
import dev.barge.batch.GeminiResults;
import dev.barge.batch.InlineBatches;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.RequestState;
import dev.barge.store.FileRecord;
import dev.barge.store.Page;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.ProtoJson;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Gemini Batch Mode API: {@code models/{model}:batchGenerateContent} and {@code :asyncBatchEmbedContent}
 * with inline requests or an uploaded file, then get, list, cancel and delete of {@code batches/{id}}, on
 * the same engine as every batch. Served under {@code /v1beta} and, for the SDKs' default, {@code /v1}.
 */
final class GeminiBatchesRoutes {
  private static final JsonBody BODY = new JsonBody(64L * 1024 * 1024, null);
  /** How long a delete waits for a running batch it cancelled to end. */
  private static final Duration DELETE_WAIT = Duration.ofSeconds(5);

  private final InlineBatches batches;
  private final FileService files;
  private final int maxRequests;

  GeminiBatchesRoutes(InlineBatches batches, FileService files, int maxRequests) {
    this.batches = batches;
    this.files = files;
    this.maxRequests = maxRequests;
  }

  void register(Javalin app) {
    for (String version : new String[] {"/v1beta", "/v1"}) {
      app.post(version + "/models/{call}", this::create);
      app.post(version + "/batches/{call}", this::cancel);
      app.delete(version + "/batches/{id}", this::delete);
    }
    app.get("/v1beta/batches", this::list);
    app.get("/v1beta/batches/{id}", this::get);
    // The OpenAI Batch API has these two paths: they are Gemini's only for a Gemini client.
    GeminiRouting.forGeminiClients(app, HandlerType.GET, "/v1/batches", this::list);
    GeminiRouting.forGeminiClients(app, HandlerType.GET, "/v1/batches/{id}", this::get);
  }

  private void create(Context ctx) throws IOException {
    GeminiRouting.Call call = GeminiRouting.call(ctx, "models/");
    Endpoint endpoint = switch (call.method()) {
      case "batchGenerateContent" -> Endpoint.GENERATE_CONTENT;
      case "asyncBatchEmbedContent" -> Endpoint.EMBED_CONTENT;
      default -> throw GeminiRouting.unknownMethod(ctx, call.method());
    };
    JsonNode batch = BODY.object(ctx).path("batch");
    if (!batch.isObject()) throw ApiException.badRequest("batch", "batch: required, an object with an inputConfig.");
    JsonNode input = ProtoJson.field(batch, "inputConfig");
    if (input == null || !input.isObject()) {
      throw ApiException.badRequest("batch.inputConfig", "batch.inputConfig: required, with requests or a fileName.");
    }
    JsonNode inline = ProtoJson.field(input, "requests");
    JsonNode fileName = ProtoJson.field(input, "fileName");
    if ((inline == null) == (fileName == null)) {
      throw ApiException.badRequest("batch.inputConfig", "batch.inputConfig: give either requests or fileName.");
    }
    String project = Auth.project(ctx);
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put(GeminiResults.MODEL, call.name());
    JsonNode displayName = ProtoJson.field(batch, "displayName");
    if (displayName != null && displayName.isTextual()) metadata.put(GeminiResults.DISPLAY_NAME, displayName.textValue());
    try (InlineBatches.Draft draft = batches.draft(project, endpoint)) {
      if (inline == null) {
        metadata.put(GeminiResults.SOURCE, addFromFile(project, fileName, call.name(), draft));
      } else {
        addInline(inline, call.name(), draft);
        metadata.put(GeminiResults.SOURCE, GeminiResults.INLINE);
      }
      // Gemini's create is not idempotent (spec B1). batch.cache is Barge's extension, as on POST /v1/batches.
      BatchRecord created = draft.create(metadata, BatchesRoutes.cache(batch.get("cache")), null);
      ctx.json(GeminiWire.operation(created, batches.counts(created), null));
    }
  }

  /** Inline requests: {@code {"requests": [{"request": {…}, "metadata": {…}}]}}, metadata kept to correlate. */
  private void addInline(JsonNode inline, String model, InlineBatches.Draft draft) {
    JsonNode list = inline.path("requests");
    String at = "batch.inputConfig.requests.requests";
    if (!list.isArray() || list.isEmpty()) throw ApiException.badRequest(at, at + ": required, a non-empty list.");
    if (list.size() > maxRequests) {
      throw ApiException.badRequest(at, at + ": at most " + maxRequests + " requests, not " + list.size() + ".");
    }
    for (int i = 0; i < list.size(); i++) {
      JsonNode item = list.get(i);
      String here = at + "[" + i + "]";
      JsonNode metadata = item.path("metadata");
      if (!metadata.isMissingNode() && !metadata.isNull() && !metadata.isObject()) {
        throw ApiException.badRequest(here, here + ".metadata: must be an object of strings.");
      }
      JsonNode request = request(item, here);
      draft.add(GeminiResults.customId(i + 1, metadata.isObject() ? metadata.toString() : null), withModel(request, model));
    }
  }

  /**
   * A file uploaded through the Files API: one {@code {"key", "request"}} object per line, blank lines
   * skipped. Its lines are copied into the batch's own input at once, so a bad line is the caller's 400
   * now and the file may be deleted as soon as the batch exists.
   *
   * @return the file's name, where the batch's requests came from
   */
  private String addFromFile(String project, JsonNode fileName, String model, InlineBatches.Draft draft)
      throws IOException {
    String name = fileName.asText("");
    FileRecord file = GeminiFilesRoutes.geminiFile(files, project, name);
    int number = 0;
    int count = 0;
    try (InputStream in = files.content(project, file.id());
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = lines.readLine()) != null; ) {
        number++;
        if (line.isBlank()) continue;
        String here = name + " line " + number;
        JsonNode item;
        try {
          item = Wire.JSON.readTree(line);
        } catch (IOException e) {
          throw ApiException.badRequest("batch.inputConfig.fileName", here + ": not a JSON object.");
        }
        if (!item.isObject()) throw ApiException.badRequest("batch.inputConfig.fileName", here + ": not a JSON object.");
        JsonNode key = item.path("key");
        if (!key.isMissingNode() && !key.isNull() && !key.isTextual()) {
          throw ApiException.badRequest("batch.inputConfig.fileName", here + ": key must be a string.");
        }
        if (++count > maxRequests) {
          throw ApiException.badRequest("batch.inputConfig.fileName", name + ": at most " + maxRequests
              + " requests in a batch.");
        }
        draft.add(GeminiResults.customId(count, key.isTextual() ? key.textValue() : null), withModel(request(item, here), model));
      }
    }
    if (count == 0) throw ApiException.badRequest("batch.inputConfig.fileName", name + " holds no requests.");
    return "files/" + file.id();
  }

  private static JsonNode request(JsonNode item, String at) {
    JsonNode request = item.path("request");
    if (!request.isObject()) throw ApiException.badRequest(at, at + ".request: required, an object.");
    return request;
  }

  /** The request as a batch line holds it: the model of the call's URL in {@code model}, as every line names it. */
  private static ObjectNode withModel(JsonNode request, String model) {
    ObjectNode body = ((ObjectNode) request).deepCopy();
    body.put("model", model);
    return body;
  }

  private void get(Context ctx) {
    BatchRecord batch = batches.get(Auth.project(ctx), GeminiRouting.batchId(ctx.pathParam("id")));
    ctx.json(GeminiWire.operation(batch, batches.counts(batch), inlined(batch)));
  }

  /** The responses of an ended inline batch, in request order; null while it runs or when they are in a file. */
  private ArrayNode inlined(BatchRecord batch) {
    if (!batch.status().terminal() || GeminiResults.fromFile(batch) || batch.archive().archived()) return null;
    ArrayNode out = Wire.JSON.createArrayNode();
    batches.forEachResult(batch, row -> out.add(GeminiResults.inlined(row)));
    return out;
  }

  private void list(Context ctx) {
    int size = Params.limit(ctx, "pageSize", 50, 1000);
    String token = Params.optional(ctx, "pageToken");
    Page<BatchRecord> page = batches.list(Auth.project(ctx), token, null, size);
    Map<String, Map<RequestState, Integer>> counts = batches.counts(page.items());
    ObjectNode o = Wire.JSON.createObjectNode();
    ArrayNode operations = o.putArray("operations");
    // Without the inline responses, which may be large: get shows them.
    page.items().forEach(b -> operations.add(GeminiWire.operation(b, counts.get(b.id()), null)));
    if (page.hasMore()) o.put("nextPageToken", page.items().getLast().id());
    ctx.json(o);
  }

  private void cancel(Context ctx) {
    GeminiRouting.Call call = GeminiRouting.call(ctx, "batches/");
    if (!call.method().equals("cancel")) throw GeminiRouting.unknownMethod(ctx, call.method());
    batches.cancel(Auth.project(ctx), call.name());
    ctx.json(Wire.JSON.createObjectNode()); // google.protobuf.Empty
  }

  /** Stops a running batch (as Gemini's delete does), then deletes it with its results. */
  private void delete(Context ctx) throws InterruptedException {
    String project = Auth.project(ctx);
    String id = GeminiRouting.batchId(ctx.pathParam("id"));
    BatchRecord batch = batches.get(project, id);
    if (!batch.status().terminal()) {
      batches.cancel(project, id);
      long deadline = System.nanoTime() + DELETE_WAIT.toNanos();
      while (!batches.get(project, id).status().terminal() && System.nanoTime() < deadline) Thread.sleep(100);
    }
    batches.delete(project, id);
    ctx.json(Wire.JSON.createObjectNode());
  }
}
