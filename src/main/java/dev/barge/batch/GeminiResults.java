package dev.barge.batch;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.RequestState;
import dev.barge.store.ResultRow;
import dev.barge.store.StoredJson;
import java.io.IOException;
import java.util.Map;

/**
 * How a Gemini batch's requests are named in its lines, and how their results read on Gemini's wire
 * (spec gemini-batch-api B4): a responses file of {@code {"key", "response" | "error"}} lines for a batch
 * read from a file, {@code {"response" | "error", "metadata"}} entries for one created inline. Errors are
 * {@code google.rpc.Status} objects: a gRPC code and a message.
 */
public final class GeminiResults {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The batch metadata entry that names where its requests came from: a file's name, or {@link #INLINE}. */
  public static final String SOURCE = "source";
  public static final String INLINE = "inline";
  public static final String DISPLAY_NAME = "displayName";
  /** The model of the create call's URL, which every request of the batch goes to. */
  public static final String MODEL = "model";

  private GeminiResults() {}

  /**
   * The custom_id of request {@code number}: the number (unique, as a custom_id must be) and what the
   * caller correlates its answer by, its key (file input) or its metadata as JSON (inline).
   */
  public static String customId(int number, String correlation) {
    return number + " " + (correlation == null ? "" : correlation);
  }

  /** What the caller gave to correlate by, as {@link #customId} holds it; empty when it gave nothing. */
  static String correlation(String customId) {
    if (customId == null) return "";
    int space = customId.indexOf(' ');
    return space < 0 ? "" : customId.substring(space + 1);
  }

  /** Whether the batch's requests came from a file (its results then go to a responses file). */
  public static boolean fromFile(BatchRecord batch) {
    return fromFile(metadata(batch));
  }

  /** The same, from the batch's {@link #metadata}. */
  public static boolean fromFile(Map<String, String> metadata) {
    String source = metadata.get(SOURCE);
    return source != null && !source.equals(INLINE);
  }

  /** The batch's metadata as the Gemini door stored it. */
  public static Map<String, String> metadata(BatchRecord batch) {
    JsonNode stored = StoredJson.read(batch.metadata(), batch.id() + " metadata");
    if (stored == null || !stored.isObject()) return Map.of();
    Map<String, String> out = new java.util.HashMap<>();
    stored.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  /** One line of the responses file, followed by a newline. */
  static void writeFileLine(JsonGenerator json, ResultRow row) throws IOException {
    json.writeStartObject();
    json.writeStringField("key", correlation(row.customId()));
    if (row.state() == RequestState.SUCCEEDED) {
      json.writeFieldName("response");
      json.writeRawValue(row.response()); // the backend's JSON, byte for byte
      ResultFiles.writeCached(json, row);
    } else {
      json.writeFieldName("error");
      json.writeTree(status(row));
    }
    json.writeEndObject();
    json.writeRaw('\n');
  }

  /** One entry of an inline batch's {@code inlinedResponses}. */
  public static ObjectNode inlined(ResultRow row) {
    ObjectNode o = JSON.createObjectNode();
    if (row.state() == RequestState.SUCCEEDED) {
      o.set("response", StoredJson.read(row.response(), "the response of line " + row.line()));
      if (row.cached()) o.putObject("barge").put("cached", true);
    } else {
      o.set("error", status(row));
    }
    JsonNode metadata = StoredJson.read(emptyToNull(correlation(row.customId())), "the metadata of line " + row.line());
    if (metadata != null) o.set("metadata", metadata);
    return o;
  }

  /** The {@code google.rpc.Status} of a request that did not succeed. */
  static ObjectNode status(ResultRow row) {
    String message = row.errorMessage();
    int code;
    if (row.statusCode() != null) {
      code = grpcCode(row.statusCode());
      JsonNode body = StoredJson.read(row.response(), "the answer of line " + row.line());
      JsonNode said = body == null ? null : body.path("error").path("message");
      message = said != null && said.isTextual() ? said.asText() : "The backend answered HTTP " + row.statusCode() + ".";
    } else {
      code = switch (row.errorCode() == null ? "" : row.errorCode()) {
        case "batch_cancelled" -> 1; // CANCELLED
        case "batch_expired" -> 4; // DEADLINE_EXCEEDED
        case "invalid_request", "invalid_json_line" -> 3; // INVALID_ARGUMENT
        case "budget_exceeded" -> 8; // RESOURCE_EXHAUSTED
        default -> 13; // INTERNAL
      };
    }
    return JSON.createObjectNode().put("code", code).put("message", message == null ? "" : message);
  }

  /** The gRPC code Google's APIs give with an HTTP status. */
  public static int grpcCode(int httpStatus) {
    return switch (httpStatus) {
      case 400 -> 3; // INVALID_ARGUMENT
      case 401 -> 16; // UNAUTHENTICATED
      case 403 -> 7; // PERMISSION_DENIED
      case 404 -> 5; // NOT_FOUND
      case 409 -> 10; // ABORTED
      case 429 -> 8; // RESOURCE_EXHAUSTED
      case 499 -> 1; // CANCELLED
      case 501 -> 12; // UNIMPLEMENTED
      case 503 -> 14; // UNAVAILABLE
      case 504 -> 4; // DEADLINE_EXCEEDED
      default -> httpStatus >= 500 ? 13 : 3; // INTERNAL : INVALID_ARGUMENT
    };
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
