package dev.barge.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.batch.Ids;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchStatus;
import dev.barge.batch.model.RequestState;
import dev.barge.store.ResultRow;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/** The JSON of the Anthropic Message Batches API (spec anthropic-batch-api §3, §6, §7). Every key is present. */
final class AnthropicWire {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter RFC3339_MICROS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private AnthropicWire() {}

  /** The paths whose answers, errors included, are in the Anthropic format. */
  static boolean isAnthropicPath(String path) {
    return path.equals("/v1/messages") || path.startsWith("/v1/messages/");
  }

  /** The error envelope; its type follows from the status, as the SDKs expect. */
  static ObjectNode error(int status, String message, String requestId) {
    ObjectNode o = JSON.createObjectNode().put("type", "error");
    o.putObject("error").put("type", errorType(status)).put("message", message);
    o.put("request_id", requestId);
    return o;
  }

  static String errorType(int status) {
    return switch (status) {
      case 401 -> "authentication_error";
      case 402 -> "billing_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 409 -> "conflict_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 503, 529 -> "overloaded_error";
      case 504, 408 -> "timeout_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
  }

  static String time(long millis) {
    return RFC3339_MICROS.format(Instant.ofEpochMilli(millis));
  }

  /** The MessageBatch object. Counts move from {@code processing} to their final bucket as results come in. */
  static ObjectNode batch(BatchRecord b, Map<RequestState, Integer> counts, String resultsUrl) {
    int succeeded = counts.getOrDefault(RequestState.SUCCEEDED, 0);
    int errored = counts.getOrDefault(RequestState.FAILED, 0);
    int canceled = counts.getOrDefault(RequestState.CANCELLED, 0);
    int expired = counts.getOrDefault(RequestState.EXPIRED, 0);
    ObjectNode o = JSON.createObjectNode();
    o.put("id", b.id()).put("type", "message_batch").put("processing_status", processingStatus(b.status()));
    o.putObject("request_counts")
        .put("processing", Math.max(0, b.total() - succeeded - errored - canceled - expired))
        .put("succeeded", succeeded).put("errored", errored).put("canceled", canceled).put("expired", expired);
    Long ended = endedAt(b);
    o.put("ended_at", ended == null ? null : time(ended));
    o.put("created_at", time(b.createdAt()));
    o.put("expires_at", time(b.expiresAt()));
    Long archived = b.archive().at();
    o.put("archived_at", archived == null ? null : time(archived));
    Long cancelling = b.enteredAt(BatchStatus.CANCELLING);
    o.put("cancel_initiated_at", cancelling == null ? null : time(cancelling));
    o.put("results_url", ended == null ? null : resultsUrl);
    return o;
  }

  private static String processingStatus(BatchStatus status) {
    if (status.terminal()) return "ended";
    return status == BatchStatus.CANCELLING ? "canceling" : "in_progress";
  }

  private static Long endedAt(BatchRecord b) {
    for (BatchStatus s : new BatchStatus[] {BatchStatus.COMPLETED, BatchStatus.FAILED, BatchStatus.EXPIRED,
        BatchStatus.CANCELLED}) {
      if (b.enteredAt(s) != null) return b.enteredAt(s);
    }
    return null;
  }

  /** One line of the results: what became of one request. */
  static ObjectNode resultLine(ResultRow r) throws IOException {
    ObjectNode line = JSON.createObjectNode().put("custom_id", r.customId());
    ObjectNode result = line.putObject("result");
    switch (r.state()) {
      case SUCCEEDED -> {
        result.put("type", "succeeded").set("message", JSON.readTree(r.response()));
        if (r.cached()) line.putObject("barge").put("cached", true);
      }
      case CANCELLED -> result.put("type", "canceled");
      case EXPIRED -> result.put("type", "expired");
      default -> {
        result.put("type", "errored");
        ObjectNode error = result.putObject("error").put("type", "error");
        if (r.statusCode() != null) {
          error.putObject("error").put("type", errorType(r.statusCode())).put("message", backendMessage(r.response()));
        } else {
          String type = switch (r.errorCode() == null ? "" : r.errorCode()) {
            case "invalid_request" -> "invalid_request_error";
            case "request_timeout" -> "timeout_error";
            case "budget_exceeded" -> "billing_error";
            case "token_limit_exceeded" -> "rate_limit_error";
            default -> "api_error";
          };
          error.putObject("error").put("type", type).put("message", r.errorMessage());
        }
        error.put("request_id", r.requestId() != null ? r.requestId() : Ids.request());
      }
    }
    return line;
  }

  /** The message of a backend's error body, in either API's envelope, or the body itself. */
  private static String backendMessage(String body) {
    if (body == null) return "The backend gave no answer.";
    try {
      JsonNode message = JSON.readTree(body).path("error").path("message");
      return message.isTextual() ? message.textValue() : body;
    } catch (IOException e) {
      return body;
    }
  }
}
