package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.function.Function;

/**
 * Anthropic Messages requests served by an OpenAI-compatible backend (spec, anthropic-batch-api §9): the
 * request becomes a chat completion, the answer a Message. A request the translation cannot carry (tools,
 * images) is refused as the backend would refuse a bad request: a final 400, never sent.
 */
final class MessagesOverChat {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> UNSUPPORTED = Set.of("tools", "tool_choice", "thinking");
  /** The {@code usage.service_tier} of a Message answered for a batch, as Anthropic's batch results say. */
  static final String BATCH_TIER = "batch";
  /** ... and of one answered synchronously. */
  static final String STANDARD_TIER = "standard";

  private MessagesOverChat() {}

  /**
   * Sends {@code messagesBody} through {@code sendChat} (a chat completions call) and answers as Messages
   * would, its usage in {@code serviceTier}.
   */
  static Outcome send(byte[] messagesBody, String serviceTier, Function<byte[], Outcome> sendChat) {
    ObjectNode chat;
    byte[] chatBody;
    try {
      chat = chatRequest(messagesBody);
      chatBody = JSON.writeValueAsBytes(chat);
    } catch (Untranslatable e) {
      return e.answer();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a tree always serializes
    }
    return answered(sendChat.apply(chatBody), chat.path("model").asText(), serviceTier);
  }

  /** The chat completions request for a Messages request body. */
  static ObjectNode chatRequest(byte[] messagesBody) throws Untranslatable {
    try {
      return toChat(JSON.readTree(messagesBody));
    } catch (Refused e) {
      throw new Untranslatable(new Outcome.Rejected(400, error("invalid_request_error", e.getMessage()), null));
    } catch (IOException e) {
      throw new Untranslatable(new Outcome.Rejected(400, error("invalid_request_error", "The request is not JSON."),
          null));
    }
  }

  /**
   * The outcome of a chat completions call as the Messages call's: a success's answer becomes a Message of
   * {@code model} (null: the model the answer names), its usage in {@code serviceTier}; anything else stays.
   */
  static Outcome answered(Outcome outcome, String model, String serviceTier) {
    if (!(outcome instanceof Outcome.Success s)) return outcome;
    try {
      JsonNode chat = JSON.readTree(s.body());
      return new Outcome.Success(s.status(), toMessage(chat, model != null ? model : chat.path("model").asText(),
          serviceTier), s.requestId(), s.limits());
    } catch (IOException e) {
      return new Outcome.Retryable(502, error("api_error", "The backend's answer is not JSON."), s.requestId(), null,
          s.limits());
    }
  }

  /** A request the translation cannot carry. */
  static final class Refused extends Exception {
    Refused(String message) {
      super(message);
    }
  }

  private static ObjectNode toChat(JsonNode params) throws Refused {
    for (String key : UNSUPPORTED) {
      if (params.has(key)) throw new Refused(key + ": not supported by this backend (an OpenAI-compatible model)");
    }
    ObjectNode chat = JSON.createObjectNode().put("model", params.path("model").asText());
    ArrayNode messages = chat.putArray("messages");
    JsonNode system = params.get("system");
    if (system != null && !system.isNull()) messages.addObject().put("role", "system").put("content", text(system, "system"));
    int i = 0;
    for (JsonNode m : params.path("messages")) {
      messages.addObject().put("role", m.path("role").asText()).put("content", text(m.path("content"),
          "messages." + i + ".content"));
      i++;
    }
    chat.set("max_tokens", params.get("max_tokens"));
    if (params.has("stop_sequences")) chat.set("stop", params.get("stop_sequences"));
    for (String same : new String[] {"temperature", "top_p"}) {
      if (params.has(same)) chat.set(same, params.get(same));
    }
    return chat;
  }

  /** A string, or the texts of text blocks joined by newlines; other blocks cannot be carried. */
  private static String text(JsonNode content, String where) throws Refused {
    if (content.isTextual()) return content.textValue();
    if (!content.isArray()) throw new Refused(where + ": must be a string or a list of content blocks");
    StringBuilder text = new StringBuilder();
    for (JsonNode block : content) {
      if (!"text".equals(block.path("type").asText())) {
        throw new Refused(where + ": '" + block.path("type").asText() + "' blocks are not supported by this backend"
            + " (an OpenAI-compatible model); only text");
      }
      if (!text.isEmpty()) text.append('\n');
      text.append(block.path("text").asText());
    }
    return text.toString();
  }

  private static String toMessage(JsonNode chat, String model, String serviceTier) throws IOException {
    JsonNode choice = chat.path("choices").path(0);
    ObjectNode m = JSON.createObjectNode();
    m.put("id", "msg_" + RandomIds.hex());
    m.put("type", "message").put("role", "assistant").put("model", model);
    ArrayNode content = m.putArray("content");
    String text = choice.path("message").path("content").asText("");
    if (!text.isEmpty()) content.addObject().put("type", "text").put("text", text);
    m.put("stop_reason", "length".equals(choice.path("finish_reason").asText()) ? "max_tokens" : "end_turn");
    m.putNull("stop_sequence");
    ObjectNode usage = m.putObject("usage");
    usage.put("input_tokens", chat.path("usage").path("prompt_tokens").asLong());
    usage.put("output_tokens", chat.path("usage").path("completion_tokens").asLong());
    for (String key : new String[] {"cache_creation_input_tokens", "cache_read_input_tokens", "cache_creation",
        "server_tool_use", "inference_geo"}) {
      usage.putNull(key);
    }
    usage.put("service_tier", serviceTier);
    m.putNull("container");
    m.putNull("stop_details");
    return JSON.writeValueAsString(m);
  }

  /** The Anthropic error envelope, as a backend of that type would answer. */
  static String error(String type, String message) {
    ObjectNode e = JSON.createObjectNode().put("type", "error");
    e.putObject("error").put("type", type).put("message", message);
    return e.toString();
  }
}
