package dev.barge.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.store.ResponseRow;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A background response as the Responses API shows it. Before it ends, its fields come from the request
 * (what the backend will be asked); once answered, from the backend's Response object, with Barge's id,
 * times and status. Always with every key the SDKs require, {@code null} where there is nothing.
 */
final class ResponseObject {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ResponseObject() {}

  /** The response now: with its output and usage when it has a result. */
  static ObjectNode of(ResponseRow row) {
    return build(row, row.status(), row.result() != null);
  }

  /** The response as it stood in {@code status}, before any output: what the early stream events carry. */
  static ObjectNode before(ResponseRow row, String status) {
    return build(row, status, false);
  }

  private static ObjectNode build(ResponseRow row, String status, boolean withResult) {
    ObjectNode request = parse(row.request());
    ObjectNode out = withResult ? parse(row.result()) : JSON.createObjectNode();
    out.put("id", row.id()).put("object", "response").put("created_at", row.createdAt() / 1000)
        .put("status", status).put("background", true)
        .put("store", true); // whatever the backend keeps, Barge keeps it until it is read
    if ("completed".equals(status) && row.endedAt() != null) out.put("completed_at", row.endedAt() / 1000);
    else out.putNull("completed_at");
    if ("failed".equals(status) && row.errorCode() != null) {
      out.putObject("error").put("code", row.errorCode()).put("message", row.errorMessage());
    } else {
      out.putNull("error");
    }
    if (!withResult || !out.path("incomplete_details").isObject()) out.putNull("incomplete_details");
    defaultFromRequest(out, request, "model", JSON.getNodeFactory().textNode(row.model()));
    defaultFromRequest(out, request, "instructions", JSON.getNodeFactory().nullNode());
    defaultFromRequest(out, request, "metadata", JSON.createObjectNode());
    defaultFromRequest(out, request, "parallel_tool_calls", JSON.getNodeFactory().booleanNode(true));
    defaultFromRequest(out, request, "temperature", JSON.getNodeFactory().numberNode(1.0));
    defaultFromRequest(out, request, "top_p", JSON.getNodeFactory().numberNode(1.0));
    defaultFromRequest(out, request, "tool_choice", JSON.getNodeFactory().textNode("auto"));
    defaultFromRequest(out, request, "tools", JSON.createArrayNode());
    defaultFromRequest(out, request, "max_output_tokens", JSON.getNodeFactory().nullNode());
    defaultFromRequest(out, request, "previous_response_id", JSON.getNodeFactory().nullNode());
    if (!withResult) {
      out.putArray("output");
      out.putNull("usage");
    } else {
      if (!out.path("output").isArray()) out.putArray("output");
      if (!out.has("usage")) out.putNull("usage");
    }
    return out;
  }

  /** Sets {@code key} when the answer lacks it: as the request had it, or else to {@code otherwise}. */
  private static void defaultFromRequest(ObjectNode out, ObjectNode request, String key, JsonNode otherwise) {
    if (out.has(key)) return;
    JsonNode asked = request.get(key);
    out.set(key, asked != null ? asked : otherwise);
  }

  private static ObjectNode parse(String json) {
    try {
      JsonNode node = JSON.readTree(json);
      return node instanceof ObjectNode o ? o : JSON.createObjectNode();
    } catch (IOException e) {
      throw new UncheckedIOException("a stored response is not JSON", e);
    }
  }
}
