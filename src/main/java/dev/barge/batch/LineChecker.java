package dev.barge.batch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.upstream.Endpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The per-line rules of a batch input file (spec §2.1), in order; the first rule a line breaks is its
 * error. Holds the state the rules need across lines: custom_ids seen and the file's model.
 *
 * <p>A line is read with one streaming pass that keeps only the values the rules look at and skips
 * over the rest of {@code body} (still tokenizing it, so a line must be valid JSON throughout):
 * no tree is built for an ordinary line. Where a key repeats, the last value counts, as in a tree.
 */
final class LineChecker {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory FACTORY = JSON.getFactory();

  private final String endpoint;
  private final boolean moderations;
  private final boolean messages;
  private final boolean perRequest;
  private final Predicate<String> modelServed;
  private final int maxLineBytes;
  private final CustomIdIndex customIds = new CustomIdIndex();
  private String model;
  private boolean modelIsServed; // of the file's model; asked once, not once per line
  private String acceptedCustomId;

  // What one pass over a line found. A key is "present" when it is there and not JSON null; a value
  // that is not a string is kept as a tree (rare: it is only needed to quote it in an error message).
  private String customId;
  private boolean customIdPresent;
  private String method;
  private JsonNode methodOther;
  private String url;
  private JsonNode urlOther;
  private boolean bodyPresent;
  private boolean bodyObject;
  private String bodyModel; // asText() of body.model when present
  private boolean bodyInput;
  private boolean bodyStreamOff; // body.stream absent, null or false
  private long bodyBytes;
  private JsonToken bodyMaxTokens; // body.max_tokens: its token type, null when absent
  private long bodyMaxTokensValue;
  private boolean bodyMessagesArray;
  private boolean bodySpeed;
  private final Map<String, Boolean> servedModels = new HashMap<>();

  LineChecker(String endpoint, Predicate<String> modelServed, int maxLineBytes) {
    this.endpoint = endpoint;
    this.moderations = "/v1/moderations".equals(endpoint);
    this.messages = "/v1/messages".equals(endpoint);
    this.perRequest = messages || Endpoint.GENERATE_CONTENT.path().equals(endpoint)
        || Endpoint.EMBED_CONTENT.path().equals(endpoint);
    this.maxLineBytes = maxLineBytes;
    this.modelServed = modelServed;
  }

  /** The model of the file: the first one seen on a line. */
  String model() {
    return model;
  }

  /**
   * Whether the batch's requests are checked one by one, a bad one failing alone: those of the inline doors,
   * Anthropic Messages (spec §2) and Gemini's, whose lines Barge wrote itself.
   */
  boolean perRequest() {
    return perRequest;
  }

  /** The custom_id of the line last checked when it has one (even if the line broke a rule). */
  String customId() {
    return customId;
  }

  /** The UTF-8 length of the {@code body} of the line last checked. */
  long bodyBytes() {
    return bodyBytes;
  }

  /** The custom_id of the line last checked, when {@link #check} accepted it. */
  String acceptedCustomId() {
    return acceptedCustomId;
  }

  /** Checks one request line; returns its error, or null when the line is a valid request. */
  LineError check(JsonlLines.Line line) {
    acceptedCustomId = null;
    customId = null;
    int n = line.number();
    if (line.tooLong()) {
      if (perRequest) customId = leadingCustomId(line); // Barge wrote the line: its custom_id comes first
      return LineError.at(n, "invalid_request", null, "This line is longer than " + maxLineBytes
          + " bytes, the limit for one request.");
    }
    if (!read(line.bytes(), line.length())) {
      if (perRequest && customId == null) customId = leadingCustomId(line);
      return LineError.at(n, "invalid_json_line", null, "This line is not parseable as valid JSON.");
    }
    if (!customIdPresent) return missing(n, "custom_id");
    if (method == null && methodOther == null) return missing(n, "method");
    if (url == null && urlOther == null) return missing(n, "url");
    if (!bodyPresent) return missing(n, "body");
    if (customId == null || customId.isEmpty()) {
      return LineError.at(n, "invalid_request", "custom_id", "'custom_id' must be a non-empty string.");
    }
    if (customId.indexOf('\0') >= 0) { // no database stores it, and no one meant it
      return LineError.at(n, "invalid_request", "custom_id", "'custom_id' must not contain a NUL character (\\u0000).");
    }
    if (!"POST".equals(method)) {
      return LineError.at(n, "invalid_request", "method",
          "'method' must be \"POST\", not " + quoted(method, methodOther) + ".");
    }
    if (!bodyObject) {
      return LineError.at(n, "invalid_request", "body", "'body' must be a JSON object.");
    }
    int earlier = customIds.putIfAbsent(customId, n);
    if (earlier != 0) {
      return LineError.at(n, "duplicate_custom_id", "custom_id",
          "The custom_id '" + Excerpt.of(customId) + "' is already used on line " + earlier + ".");
    }
    if (!endpoint.equals(url)) {
      return LineError.at(n, "url_mismatch", "url",
          "The url " + quoted(url, urlOther) + " does not match the batch's endpoint '" + endpoint + "'.");
    }
    if (bodyModel == null) return missing(n, "body.model");
    if (moderations && !bodyInput) return missing(n, "body.input");
    if (messages) {
      if (bodyMaxTokens == null) return missing(n, "body.max_tokens");
      if (bodyMaxTokens != JsonToken.VALUE_NUMBER_INT || bodyMaxTokensValue < 1) {
        return LineError.at(n, "invalid_request", "body.max_tokens", "max_tokens: must be a whole number of at least 1.");
      }
      if (!bodyMessagesArray) return missing(n, "body.messages");
      if (bodySpeed) {
        return LineError.at(n, "invalid_request", "body.speed", "speed: not available in a batch.");
      }
    }
    if (perRequest) {
      // A request's own model must be served before it may become the batch's model: a typo in the
      // first request must not fail the others.
      if (!servedModels.computeIfAbsent(bodyModel, modelServed::test)) {
        return notServed(n);
      }
    }
    if (!bodyStreamOff) {
      return LineError.at(n, "invalid_request", "body.stream",
          "Streaming is not available in a batch: 'body.stream' must be absent or false.");
    }
    if (model == null) {
      model = bodyModel;
      modelIsServed = modelServed.test(model);
    }
    if (!model.equals(bodyModel)) {
      return LineError.at(n, "model_mismatch", "body.model",
          "The model '" + Excerpt.of(bodyModel) + "' differs from the file's first model '" + Excerpt.of(model)
              + "'; a batch uses one model.");
    }
    if (!modelIsServed) return notServed(n);
    acceptedCustomId = customId;
    return null;
  }

  // Anthropic's custom ids, and Gemini's line number and key (when it needs no escapes).
  private static final Pattern LEADING_CUSTOM_ID = Pattern.compile("\\A\\{\"custom_id\":\"([^\"\\\\]{1,200})\"");

  /** The custom_id at the very start of a line Barge wrote itself; null when it is not there. */
  private static String leadingCustomId(JsonlLines.Line line) {
    int n = Math.min(line.length(), 240);
    Matcher m = LEADING_CUSTOM_ID.matcher(new String(line.bytes(), 0, n, StandardCharsets.UTF_8));
    return m.find() ? m.group(1) : null;
  }

  /** One pass over the line; false when it is not exactly one JSON object. */
  private boolean read(byte[] bytes, int length) {
    customId = null;
    customIdPresent = false;
    method = null;
    methodOther = null;
    url = null;
    urlOther = null;
    bodyPresent = false;
    bodyObject = false;
    resetBody();
    try (JsonParser p = FACTORY.createParser(bytes, 0, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        JsonToken value = p.nextToken();
        switch (key) {
          case "custom_id" -> {
            customIdPresent = value != JsonToken.VALUE_NULL;
            customId = value == JsonToken.VALUE_STRING ? p.getText() : null;
            p.skipChildren();
          }
          case "method" -> {
            method = value == JsonToken.VALUE_STRING ? p.getText() : null;
            methodOther = other(p, value);
          }
          case "url" -> {
            url = value == JsonToken.VALUE_STRING ? p.getText() : null;
            urlOther = other(p, value);
          }
          case "body" -> readBody(p, value);
          default -> p.skipChildren();
        }
      }
      return p.nextToken() == null; // nothing may follow the object
    } catch (IOException e) { // includes JsonParseException and the parser's size limits
      return false;
    }
  }

  private void readBody(JsonParser p, JsonToken value) throws IOException {
    resetBody();
    bodyPresent = value != JsonToken.VALUE_NULL;
    bodyObject = value == JsonToken.START_OBJECT;
    if (!bodyObject) {
      p.skipChildren();
      return;
    }
    long start = p.currentTokenLocation().getByteOffset();
    readBodyFields(p);
    bodyBytes = p.currentLocation().getByteOffset() - start;
  }

  private void readBodyFields(JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken v = p.nextToken();
      switch (key) {
        case "model" -> bodyModel = switch (v) {
          case VALUE_STRING -> p.getText();
          case VALUE_NULL -> null;
          default -> ((JsonNode) JSON.readTree(p)).asText(); // as a tree would give it: "" for an object, "5" for 5
        };
        case "stream" -> {
          bodyStreamOff = v == JsonToken.VALUE_NULL || v == JsonToken.VALUE_FALSE;
          p.skipChildren();
        }
        case "input" -> {
          bodyInput = v != JsonToken.VALUE_NULL;
          p.skipChildren();
        }
        case "max_tokens" -> {
          bodyMaxTokens = v == JsonToken.VALUE_NULL ? null : v;
          // A number beyond a long is as wrong as 0: refused as "at least 1", not as unreadable JSON.
          if (v == JsonToken.VALUE_NUMBER_INT) {
            bodyMaxTokensValue = p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? -1 : p.getLongValue();
          }
          p.skipChildren();
        }
        case "speed" -> {
          bodySpeed = v != JsonToken.VALUE_NULL;
          p.skipChildren();
        }
        case "messages" -> {
          bodyMessagesArray = v == JsonToken.START_ARRAY;
          p.skipChildren();
        }
        default -> p.skipChildren();
      }
    }
  }

  private void resetBody() {
    bodyBytes = 0;
    bodyMaxTokens = null;
    bodyMaxTokensValue = 0;
    bodyMessagesArray = false;
    bodySpeed = false;
    bodyModel = null;
    bodyInput = false;
    bodyStreamOff = true;
  }

  /** A value that is neither a string nor null, as a tree; null otherwise (leaving the parser past it). */
  private static JsonNode other(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_STRING || value == JsonToken.VALUE_NULL) return null;
    return (JsonNode) JSON.readTree(p);
  }

  private LineError notServed(int line) {
    return LineError.at(line, "model_not_found", "body.model",
        "The model '" + Excerpt.of(bodyModel) + "' is not served by any configured backend.");
  }

  /** The value as JSON text, as the error messages quote it (cut short). */
  private static String quoted(String text, JsonNode other) {
    return text != null ? Excerpt.json(text) : Excerpt.of(other.toString());
  }

  private static LineError missing(int line, String param) {
    return LineError.at(line, "missing_required_parameter", param, "Missing required parameter: '" + param + "'.");
  }
}
