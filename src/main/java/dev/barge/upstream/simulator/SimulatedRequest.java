package dev.barge.upstream.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.PromptPrefix;
import dev.barge.upstream.ProtoJson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One request body as the simulator reads it, checked the way OpenAI checks it.
 *
 * @param texts what the answer is about: the last user message (chat, responses, messages, generateContent), each
 *     prompt (completions) or each input (embeddings, moderations; embedContent's parts as one)
 * @param promptTokens estimated input tokens: about one per four characters, plus a few per chat message
 * @param maxOutputTokens the caller's bound on output tokens, or null
 * @param dimensions embedding length (embeddings only)
 * @param base64 whether embeddings go out as base64 of little-endian float32 (embeddings only)
 * @param hash hash of the whole body, the seed of the reply: the same request gets the same reply
 * @param prefix what it shares with other requests before its last turn (generating endpoints), or null
 * @param cachedTokens prompt tokens found in the prefix cache, reported as cached
 */
record SimulatedRequest(
    Endpoint endpoint,
    String model,
    List<String> texts,
    int promptTokens,
    Integer maxOutputTokens,
    int dimensions,
    boolean base64,
    long hash,
    Streaming streaming,
    PromptPrefix prefix,
    int cachedTokens) {

  SimulatedRequest(Endpoint endpoint, String model, List<String> texts, int promptTokens, Integer maxOutputTokens,
      int dimensions, boolean base64, long hash, Streaming streaming) {
    this(endpoint, model, texts, promptTokens, maxOutputTokens, dimensions, base64, hash, streaming, null, 0);
  }

  /** The same request, {@code tokens} of its prompt found in the prefix cache (at most all of it). */
  SimulatedRequest withCachedTokens(int tokens) {
    return new SimulatedRequest(endpoint, model, texts, promptTokens, maxOutputTokens, dimensions, base64, hash,
        streaming, prefix, Math.min(tokens, promptTokens));
  }

  /** The prompt tokens of its prefix, or 0 when it has none. */
  int prefixTokens() {
    return prefix == null ? 0 : SimulatedContent.tokens(prefix.chars());
  }

  /** A request whose answer is to be streamed; {@code includeUsage}: with a chunk of usage at the end. */
  record Streaming(boolean includeUsage) {}

  /** The output budget assumed when the caller sets none; OpenAI's limiter also reserves one. */
  static final int DEFAULT_REPLY_TOKENS = 256;
  static final int DEFAULT_DIMENSIONS = 256;
  static final int MAX_DIMENSIONS = 3072;
  /** OpenAI does not require a model for moderations; this is the one it picks. */
  static final String DEFAULT_MODERATION_MODEL = "omni-moderation-latest";
  private static final int TOKENS_PER_MESSAGE = 3;

  int replyBudget() {
    return maxOutputTokens != null ? maxOutputTokens : DEFAULT_REPLY_TOKENS;
  }

  /** Tokens counted against tokens_per_minute: the prompt plus the most the replies (one per text) may use. */
  long tokenCost() {
    return promptTokens + (endpoint.generatesText() ? (long) replyBudget() * texts.size() : 0);
  }

  static SimulatedRequest parse(Endpoint endpoint, byte[] body, ObjectMapper json) {
    JsonNode root = readObject(body, json);
    Streaming streaming = null;
    long hash;
    if (root.path("stream").asBoolean()) {
      // Gemini streams on a method of its own (streamGenerateContent), not with a field.
      if (!endpoint.generatesText() || endpoint == Endpoint.GENERATE_CONTENT) {
        throw RequestRejected.badRequest("'stream' is not supported on " + endpoint.path() + ".", "stream",
            "unsupported_value");
      }
      streaming = new Streaming(root.path("stream_options").path("include_usage").asBoolean(false));
      // The same text as the request without streaming: the answer's content follows the rest of the body.
      ObjectNode rest = ((ObjectNode) root).deepCopy();
      rest.remove(List.of("stream", "stream_options"));
      hash = SimulatedContent.hash(rest.toString());
    } else {
      hash = SimulatedContent.hash(body);
    }
    String model = model(endpoint, root);
    return switch (endpoint) {
      case CHAT_COMPLETIONS -> {
        Conversation c = conversation(required(root, "messages"), "messages", 0);
        yield generating(endpoint, model, c, maxTokens(root, "max_completion_tokens", "max_tokens"), hash,
            streaming, root);
      }
      case RESPONSES -> {
        JsonNode input = required(root, "input");
        int instructions = text(root.get("instructions")).length();
        Conversation c = input.isTextual()
            ? new Conversation(input.asText(), instructions + input.asText().length(), 0)
            : conversation(input, "input", instructions);
        yield generating(endpoint, model, c, maxTokens(root, "max_output_tokens"), hash, streaming, root);
      }
      case MESSAGES -> {
        // Anthropic Messages: max_tokens is required there, and the system prompt stands apart.
        if (!root.path("max_tokens").canConvertToInt()) throw RequestRejected.missing("max_tokens");
        Conversation c = conversation(required(root, "messages"), "messages", text(root.get("system")).length());
        yield generating(endpoint, model, c, maxTokens(root, "max_tokens"), hash, streaming, root);
      }
      case COMPLETIONS -> {
        List<String> prompts = strings(required(root, "prompt"), "prompt");
        yield new SimulatedRequest(endpoint, model, prompts, tokens(prompts), maxTokens(root, "max_tokens"), 0, false,
            hash, streaming);
      }
      case EMBEDDINGS -> {
        List<String> inputs = strings(required(root, "input"), "input");
        yield new SimulatedRequest(endpoint, model, inputs, tokens(inputs), null, dimensions(root.get("dimensions"),
            "dimensions"), base64(root), hash, null);
      }
      case MODERATIONS -> {
        List<String> inputs = strings(required(root, "input"), "input");
        yield new SimulatedRequest(endpoint, model, inputs, tokens(inputs), null, 0, false, hash, null);
      }
      case GENERATE_CONTENT -> {
        // Gemini: proto-JSON (camelCase or snake_case), text in parts, the system instruction apart.
        JsonNode system = ProtoJson.field(root, "systemInstruction");
        Conversation c = conversation(required(root, "contents"), "contents",
            system == null ? 0 : text(system.get("parts")).length());
        JsonNode config = ProtoJson.field(root, "generationConfig");
        Integer max = config == null ? null : maxTokens(config, "maxOutputTokens", "max_output_tokens");
        yield generating(endpoint, model, c, max, hash, streaming, root);
      }
      case EMBED_CONTENT -> {
        // The parts' texts joined by newlines: the same input as an embedContent translated to embeddings.
        List<String> parts = strings(required(required(root, "content"), "parts"), "content.parts");
        String input = String.join("\n", parts);
        yield new SimulatedRequest(endpoint, model, List.of(input), tokens(List.of(input)), null,
            dimensions(ProtoJson.field(root, "outputDimensionality"), "outputDimensionality"), false,
            hash, null);
      }
    };
  }

  /** The text of a chat-like input, and how many messages it has (each costs a few tokens of framing). */
  private record Conversation(String lastUserText, int chars, int messages) {}

  private static SimulatedRequest generating(Endpoint e, String model, Conversation c, Integer max, long hash,
      Streaming streaming, JsonNode root) {
    int promptTokens = SimulatedContent.tokens(c.chars()) + TOKENS_PER_MESSAGE * c.messages();
    return new SimulatedRequest(e, model, List.of(c.lastUserText()), promptTokens, max, 0, false, hash, streaming,
        PromptPrefix.of(e, root), 0);
  }

  private static Conversation conversation(JsonNode input, String param, int instructionChars) {
    int chars = instructionChars;
    if (!input.isArray() || input.isEmpty()) {
      throw RequestRejected.badRequest("'" + param + "' must be a non-empty array of messages.", param, "invalid_type");
    }
    String lastUser = null;
    String last = "";
    for (int i = 0; i < input.size(); i++) {
      JsonNode message = input.get(i);
      if (!message.isObject()) {
        throw RequestRejected.badRequest("'" + param + "[" + i + "]' must be an object.", param + "[" + i + "]",
            "invalid_type");
      }
      last = text(message.has("parts") ? message.get("parts") : message.get("content")); // parts: Gemini's
      chars += last.length();
      if ("user".equals(message.path("role").asText())) lastUser = last;
    }
    return new Conversation(lastUser != null ? lastUser : last, chars, input.size());
  }

  /** A string, or an array of strings or of content parts with a {@code text}. */
  private static List<String> strings(JsonNode input, String param) {
    if (input.isTextual()) return List.of(input.asText());
    if (!input.isArray() || input.isEmpty()) {
      throw RequestRejected.badRequest("'" + param + "' must be a string or a non-empty array of strings.", param,
          "invalid_type");
    }
    List<String> texts = new ArrayList<>(input.size());
    for (JsonNode item : input) {
      if (!item.isTextual() && !item.has("text")) {
        throw RequestRejected.badRequest("The Barge simulator accepts '" + param + "' as strings only.", param,
            "invalid_type");
      }
      texts.add(text(item));
    }
    return texts;
  }

  /** The text of message content: a string, a part with {@code text}, or an array of parts. */
  private static String text(JsonNode content) {
    if (content == null || content.isNull()) return "";
    if (content.isTextual()) return content.asText();
    if (content.isArray()) {
      StringBuilder text = new StringBuilder();
      for (JsonNode part : content) text.append(text(part));
      return text.toString();
    }
    return content.path("text").asText("");
  }

  private static int tokens(List<String> texts) {
    int sum = 0;
    for (String t : texts) sum += SimulatedContent.tokens(t.length());
    return sum;
  }

  private static JsonNode readObject(byte[] body, ObjectMapper json) {
    try {
      JsonNode root = json.readTree(body);
      if (root != null && root.isObject()) return root;
    } catch (IOException notJson) {
      // answered below like any other body that is not a JSON object
    }
    throw RequestRejected.badRequest(
        "We could not parse the JSON body of your request: it must be a JSON object. (Barge simulator)", null, null);
  }

  private static JsonNode required(JsonNode root, String param) {
    JsonNode value = root.get(param);
    if (value == null || value.isNull()) throw RequestRejected.missing(param);
    return value;
  }

  private static String model(Endpoint endpoint, JsonNode root) {
    JsonNode model = root.get("model");
    if ((model == null || model.isNull()) && endpoint == Endpoint.MODERATIONS) return DEFAULT_MODERATION_MODEL;
    if (model == null || model.isNull()) throw RequestRejected.missing("model");
    if (!model.isTextual() || model.asText().isBlank()) {
      throw RequestRejected.badRequest("'model' must be a non-empty string.", "model", "invalid_type");
    }
    return model.asText();
  }

  /** The first of {@code params} that is set; it must be a positive integer. */
  private static Integer maxTokens(JsonNode root, String... params) {
    for (String param : params) {
      JsonNode value = root.get(param);
      if (value == null || value.isNull()) continue;
      if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1) {
        throw RequestRejected.badRequest("Invalid '" + param + "': expected an integer >= 1.", param,
            "integer_below_min_value");
      }
      return value.intValue();
    }
    return null;
  }

  private static int dimensions(JsonNode value, String param) {
    if (value == null || value.isNull()) return DEFAULT_DIMENSIONS;
    if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1
        || value.intValue() > MAX_DIMENSIONS) {
      throw RequestRejected.badRequest("Invalid '" + param + "': expected an integer between 1 and " + MAX_DIMENSIONS
          + ".", param, "invalid_value");
    }
    return value.intValue();
  }

  /** A field of a Gemini request, which proto-JSON lets either spelling name; null when neither is set. */
  private static boolean base64(JsonNode root) {
    String format = root.path("encoding_format").asText("float");
    if (!format.equals("float") && !format.equals("base64")) {
      throw RequestRejected.badRequest("Invalid 'encoding_format': expected 'float' or 'base64'.", "encoding_format",
          "invalid_value");
    }
    return format.equals("base64");
  }
}
