package dev.barge.batch;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The per-line rules of a batch input file (spec §2.1), in order; the first rule a line breaks is its
 * error. Holds the state the rules need across lines: custom_ids seen and the file's model.
 */
final class LineChecker {
  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final String[] REQUIRED = {"custom_id", "method", "url", "body"};

  private final String endpoint;
  private final Predicate<String> modelServed;
  private final int maxLineBytes;
  private final Map<String, Integer> customIds = new HashMap<>();
  private String model;
  private String acceptedCustomId;

  LineChecker(String endpoint, Predicate<String> modelServed, int maxLineBytes) {
    this.endpoint = endpoint;
    this.maxLineBytes = maxLineBytes;
    this.modelServed = modelServed;
  }

  /** The model of the file: the first one seen on a line. */
  String model() {
    return model;
  }

  /** The custom_id of the line last checked, when {@link #check} accepted it. */
  String acceptedCustomId() {
    return acceptedCustomId;
  }

  /** Checks one request line; returns its error, or null when the line is a valid request. */
  LineError check(JsonlLines.Line line) {
    acceptedCustomId = null;
    int n = line.number();
    if (line.tooLong()) {
      return LineError.at(n, "invalid_request", null, "This line is longer than " + maxLineBytes
          + " bytes, the limit for one request.");
    }
    JsonNode node;
    try {
      node = JSON.readTree(line.bytes(), 0, line.length());
    } catch (IOException e) {
      node = null;
    }
    if (node == null || !node.isObject()) {
      return LineError.at(n, "invalid_json_line", null, "This line is not parseable as valid JSON.");
    }
    for (String key : REQUIRED) {
      if (!node.hasNonNull(key)) return missing(n, key);
    }
    JsonNode customId = node.get("custom_id");
    if (!customId.isTextual() || customId.asText().isEmpty()) {
      return LineError.at(n, "invalid_request", "custom_id", "'custom_id' must be a non-empty string.");
    }
    if (!node.get("method").isTextual() || !"POST".equals(node.get("method").asText())) {
      return LineError.at(n, "invalid_request", "method",
          "'method' must be \"POST\", not " + node.get("method") + ".");
    }
    JsonNode body = node.get("body");
    if (!body.isObject()) {
      return LineError.at(n, "invalid_request", "body", "'body' must be a JSON object.");
    }
    Integer earlier = customIds.get(customId.asText());
    if (earlier != null) {
      return LineError.at(n, "duplicate_custom_id", "custom_id",
          "The custom_id '" + customId.asText() + "' is already used on line " + earlier + ".");
    }
    customIds.put(customId.asText(), n);
    String url = node.get("url").asText();
    if (!node.get("url").isTextual() || !url.equals(endpoint)) {
      return LineError.at(n, "url_mismatch", "url",
          "The url " + node.get("url") + " does not match the batch's endpoint '" + endpoint + "'.");
    }
    if (!body.hasNonNull("model")) return missing(n, "body.model");
    if ("/v1/moderations".equals(endpoint) && !body.hasNonNull("input")) return missing(n, "body.input");
    JsonNode stream = body.get("stream");
    if (stream != null && !stream.isNull() && !(stream.isBoolean() && !stream.asBoolean())) {
      return LineError.at(n, "invalid_request", "body.stream",
          "Streaming is not available in a batch: 'body.stream' must be absent or false.");
    }
    String lineModel = body.get("model").asText();
    if (model == null) model = lineModel;
    if (!model.equals(lineModel)) {
      return LineError.at(n, "model_mismatch", "body.model",
          "The model '" + lineModel + "' differs from the file's first model '" + model
              + "'; a batch uses one model.");
    }
    if (!modelServed.test(lineModel)) {
      return LineError.at(n, "model_not_found", "body.model",
          "The model '" + lineModel + "' is not served by any configured backend.");
    }
    acceptedCustomId = customId.asText();
    return null;
  }

  private static LineError missing(int line, String param) {
    return LineError.at(line, "missing_required_parameter", param, "Missing required parameter: '" + param + "'.");
  }
}
