package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Gemini request as the translations read it: Barge's {@code model}, the system instruction and the turns
 * as text, and the generation config. Gemini takes proto-JSON, where a field may be spelled camelCase or
 * snake_case; {@link ProtoJson#field} reads either. Parts other than text, tools, cached content and response schemas
 * cannot be carried and are refused (the answer would not be the one asked for); {@code safetySettings} and
 * {@code thinkingConfig} have no counterpart and are left out.
 *
 * @param system the system instruction's text, or null
 * @param turns the contents, with Gemini's role {@code model} as {@code assistant}
 * @param config the generation config (a missing node when there is none)
 */
record GeminiRequest(String model, String system, List<Turn> turns, JsonNode config) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> UNSUPPORTED = List.of("tools", "toolConfig", "cachedContent");
  private static final List<String> UNSUPPORTED_CONFIG = List.of("responseSchema", "responseJsonSchema");

  /** One turn of the conversation: {@code role} is {@code user} or {@code assistant}. */
  record Turn(String role, String text) {}

  /** Reads a generateContent body. */
  static GeminiRequest generateContent(byte[] body) throws Untranslatable {
    JsonNode root = object(body);
    for (String key : UNSUPPORTED) {
      if (ProtoJson.field(root, key) != null) throw GeminiAnswers.refused(key + ": not supported on this backend");
    }
    JsonNode config = ProtoJson.field(root, "generationConfig");
    if (config == null) config = MissingNode.getInstance();
    for (String key : UNSUPPORTED_CONFIG) {
      if (ProtoJson.field(config, key) != null) {
        throw GeminiAnswers.refused("generationConfig." + key + ": not supported on this backend");
      }
    }
    JsonNode systemInstruction = ProtoJson.field(root, "systemInstruction");
    String system = systemInstruction == null ? null
        : text(systemInstruction.path("parts"), "systemInstruction.parts");
    JsonNode contents = ProtoJson.field(root, "contents");
    if (contents == null || !contents.isArray() || contents.isEmpty()) {
      throw GeminiAnswers.refused("contents: must be a non-empty list");
    }
    List<Turn> turns = new ArrayList<>(contents.size());
    for (int i = 0; i < contents.size(); i++) {
      JsonNode content = contents.get(i);
      String role = content.path("role").asText("");
      if (!role.isEmpty() && !role.equals("user") && !role.equals("model")) {
        throw GeminiAnswers.refused("contents[" + i + "].role: '" + role + "' is not supported on this backend;"
            + " only user and model");
      }
      turns.add(new Turn(role.equals("model") ? "assistant" : "user",
          text(content.path("parts"), "contents[" + i + "].parts")));
    }
    return new GeminiRequest(root.path("model").asText(), system, turns, config);
  }

  /** The generation config's option named {@code camelName} (or its snake_case), or null. */
  JsonNode option(String camelName) {
    return ProtoJson.field(config, camelName);
  }

  /** Copies the options set among {@code names} (Gemini's name → the other API's) to {@code target}. */
  void copyOptions(ObjectNode target, List<Map.Entry<String, String>> names) {
    for (Map.Entry<String, String> name : names) {
      JsonNode value = option(name.getKey());
      if (value != null) target.set(name.getValue(), value);
    }
  }

  /** Whether the answer is to be JSON ({@code responseMimeType: application/json}); other types are refused. */
  boolean wantsJson() throws Untranslatable {
    JsonNode type = option("responseMimeType");
    if (type == null || type.asText().equals("text/plain")) return false;
    if (type.asText().equals("application/json")) return true;
    throw GeminiAnswers.refused("generationConfig.responseMimeType: '" + type.asText()
        + "' is not supported on this backend; only text/plain and application/json");
  }

  /** The body, which must be a JSON object. */
  static JsonNode object(byte[] body) throws Untranslatable {
    try {
      JsonNode root = JSON.readTree(body);
      if (root != null && root.isObject()) return root;
    } catch (IOException notJson) {
      // refused below
    }
    throw GeminiAnswers.refused("The request body is not a JSON object.");
  }

  /** The texts of {@code parts} joined by newlines; any other part cannot be carried. */
  static String text(JsonNode parts, String where) throws Untranslatable {
    if (!parts.isArray()) throw GeminiAnswers.refused(where + ": must be a list of parts");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < parts.size(); i++) {
      JsonNode part = parts.get(i);
      if (!part.path("text").isTextual()) {
        String kind = part.isObject() && !part.isEmpty() ? part.fieldNames().next() : "empty";
        throw GeminiAnswers.refused(where + "[" + i + "]: '" + kind + "' parts are not supported on this backend,"
            + " which serves Gemini requests by translation; only text parts");
      }
      if (!text.isEmpty()) text.append('\n');
      text.append(part.get("text").textValue());
    }
    return text.toString();
  }
}
