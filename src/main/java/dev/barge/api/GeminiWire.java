package dev.barge.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.batch.FileService;
import dev.barge.batch.GeminiResults;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchStatus;
import dev.barge.batch.model.RequestState;
import dev.barge.store.FileRecord;
import dev.barge.store.StoredJson;
import dev.barge.upstream.Endpoint;
import io.javalin.http.Context;
import java.util.Map;

/**
 * The JSON of the Gemini batch and file APIs: a batch is a long-running operation whose metadata is the
 * batch, a file is a {@code files/…} resource. Times are RFC 3339, counts int64 strings, as Google's are.
 */
final class GeminiWire {
  private static final String TYPES = "type.googleapis.com/google.ai.generativelanguage.v1main.";

  private GeminiWire() {}

  /** Paths only the Gemini API has. */
  static boolean isGeminiPath(String path) {
    return path.startsWith("/v1beta/") || path.startsWith("/upload/") || path.startsWith("/download/");
  }

  /**
   * Whether a call comes from a Gemini client: the Google SDKs send {@code x-goog-api-client} (and the key
   * as {@code x-goog-api-key}), REST samples pass {@code ?key=}. Tells Gemini's {@code /v1} calls apart from
   * the OpenAI ones on the same paths.
   */
  static boolean isGeminiClient(Context ctx) {
    return ctx.header("x-goog-api-key") != null || ctx.header("x-goog-api-client") != null
        || ctx.queryParam("key") != null;
  }

  /** Whether answers to this call, errors included, are in Gemini's format. */
  static boolean isGemini(Context ctx) {
    return isGeminiPath(ctx.path()) || isGeminiClient(ctx);
  }

  /**
   * The batch as an operation. {@code inlined} (the inline responses, or null to leave them out) goes in the
   * metadata and the response of an ended batch; a batch read from a file always names its responses file.
   */
  static ObjectNode operation(BatchRecord b, Map<RequestState, Integer> counts, ArrayNode inlined) {
    String name = "batches/" + b.id();
    boolean embeddings = Endpoint.EMBED_CONTENT.path().equals(b.endpoint());
    Map<String, String> stored = GeminiResults.metadata(b);
    ObjectNode o = Wire.JSON.createObjectNode().put("name", name);
    ObjectNode metadata = o.putObject("metadata")
        .put("@type", TYPES + (embeddings ? "EmbedContentBatch" : "GenerateContentBatch"))
        .put("name", name)
        .put("displayName", stored.getOrDefault(GeminiResults.DISPLAY_NAME, b.id()))
        .put("model", "models/" + stored.getOrDefault(GeminiResults.MODEL, b.model()))
        .put("createTime", AnthropicWire.time(b.createdAt()))
        .put("updateTime", AnthropicWire.time(b.statusTimes().values().stream().reduce(b.createdAt(), Math::max)))
        .put("state", state(b.status()));
    Long ended = b.status().terminal() ? b.enteredAt(b.status()) : null;
    if (ended != null) metadata.put("endTime", AnthropicWire.time(ended));
    metadata.set("batchStats", stats(b, counts));
    ObjectNode output = output(b, GeminiResults.fromFile(stored), inlined);
    if (output != null) {
      metadata.set("output", output);
      ObjectNode response = Wire.JSON.createObjectNode()
          .put("@type", TYPES + (embeddings ? "EmbedContentBatchOutput" : "GenerateContentBatchOutput"));
      response.setAll(output);
      o.set("response", response);
    }
    o.put("done", b.status().terminal());
    if (b.status() == BatchStatus.FAILED) o.set("error", error(b));
    return o;
  }

  private static ObjectNode output(BatchRecord b, boolean fromFile, ArrayNode inlined) {
    if (b.outputFileId() != null && fromFile) {
      return Wire.JSON.createObjectNode().put("responsesFile", "files/" + b.outputFileId());
    }
    if (inlined == null) return null;
    ObjectNode output = Wire.JSON.createObjectNode();
    boolean embeddings = Endpoint.EMBED_CONTENT.path().equals(b.endpoint());
    // The SDKs read embeddings from their own container, each entry the same {response | error, metadata}.
    output.putObject(embeddings ? "inlinedEmbedContentResponses" : "inlinedResponses").set("inlinedResponses", inlined);
    return output;
  }

  private static ObjectNode stats(BatchRecord b, Map<RequestState, Integer> counts) {
    int succeeded = counts.getOrDefault(RequestState.SUCCEEDED, 0);
    int failed = counts.getOrDefault(RequestState.FAILED, 0) + counts.getOrDefault(RequestState.CANCELLED, 0)
        + counts.getOrDefault(RequestState.EXPIRED, 0);
    return Wire.JSON.createObjectNode()
        .put("requestCount", Integer.toString(b.total()))
        .put("successfulRequestCount", Integer.toString(succeeded))
        .put("failedRequestCount", Integer.toString(failed))
        .put("pendingRequestCount", Integer.toString(Math.max(0, b.total() - succeeded - failed)));
  }

  /** Why a failed batch failed, as a {@code google.rpc.Status}. */
  private static ObjectNode error(BatchRecord b) {
    JsonNode stored = StoredJson.read(b.errors(), b.id() + " errors");
    JsonNode first = stored == null ? Wire.JSON.createObjectNode() : stored.path("data").path(0);
    int code = switch (first.path("code").asText("")) {
      case "token_limit_exceeded", "quota_exceeded", "budget_exceeded" -> 8; // RESOURCE_EXHAUSTED
      default -> 3; // INVALID_ARGUMENT: a batch fails for what it holds
    };
    return Wire.JSON.createObjectNode().put("code", code).put("message", first.path("message").asText("The batch failed."));
  }

  /** The state names on Gemini's wire (the SDKs rename them {@code JOB_STATE_*}). */
  static String state(BatchStatus status) {
    return switch (status) {
      case VALIDATING -> "BATCH_STATE_PENDING";
      case IN_PROGRESS, FINALIZING, CANCELLING -> "BATCH_STATE_RUNNING";
      case COMPLETED -> "BATCH_STATE_SUCCEEDED";
      case FAILED -> "BATCH_STATE_FAILED";
      case CANCELLED -> "BATCH_STATE_CANCELLED";
      case EXPIRED -> "BATCH_STATE_EXPIRED";
    };
  }

  /** A file resource; {@code base} is where clients reach this server, for its {@code uri}. */
  static ObjectNode file(FileRecord f, String base) {
    String name = "files/" + f.id();
    ObjectNode o = Wire.JSON.createObjectNode().put("name", name)
        .put("displayName", f.filename())
        .put("mimeType", "application/jsonl")
        .put("sizeBytes", Long.toString(f.bytes()))
        .put("createTime", AnthropicWire.time(f.createdAt()))
        .put("updateTime", AnthropicWire.time(f.createdAt()));
    if (f.expiresAt() != null) o.put("expirationTime", AnthropicWire.time(f.expiresAt()));
    return o.put("uri", base + "/v1beta/" + name)
        .put("downloadUri", base + "/download/v1beta/" + name + ":download?alt=media")
        .put("state", "ACTIVE")
        .put("source", f.purpose().equals(FileService.PURPOSE_BATCH_OUTPUT) ? "GENERATED" : "UPLOADED");
  }
}
