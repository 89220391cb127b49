package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.function.Function;

/**
 * OpenAI-format chat completions served by an Anthropic backend: system messages become {@code system},
 * the answer's text blocks the assistant message, and usage and stop reason are renamed. A request the
 * translation cannot carry (tools, images) is refused as a final 400 and never sent.
 */
final class ChatOverMessages {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ChatOverMessages() {}

  /** Sends {@code chatBody} through {@code sendMessages}, answering as chat completions would. */
  static Outcome send(byte[] chatBody, long defaultMaxTokens, Function<byte[], Outcome> sendMessages) {
    byte[] messages;
    try {
      messages = JSON.writeValueAsBytes(messagesRequest(chatBody, defaultMaxTokens));
    } catch (Untranslatable e) {
      return e.answer();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a tree always serializes
    }
    return answered(sendMessages.apply(messages));
  }

  /** The Messages request for a chat completions request body; {@code defaultMaxTokens} where it sets none. */
  static ObjectNode messagesRequest(byte[] chatBody, long defaultMaxTokens) throws Untranslatable {
    try {
      return toMessages(JSON.readTree(chatBody), defaultMaxTokens);
    } catch (MessagesOverChat.Refused e) {
      throw new Untranslatable(new Outcome.Rejected(400, openAiError(e.getMessage()), null));
    } catch (IOException e) {
      throw new Untranslatable(new Outcome.Rejected(400, openAiError("The request is not JSON."), null));
    }
  }

  /** The outcome of a Messages call as the chat completions call's: a success's Message becomes a chat completion. */
  static Outcome answered(Outcome outcome) {
    if (!(outcome instanceof Outcome.Success s)) return outcome;
    try {
      return new Outcome.Success(s.status(), toChatCompletion(JSON.readTree(s.body())), s.requestId(), s.limits());
    } catch (IOException e) {
      return new Outcome.Retryable(502, openAiError("The backend's answer is not JSON."), s.requestId(), null,
          s.limits());
    }
  }

  private static ObjectNode toMessages(JsonNode chat, long defaultMaxTokens) throws MessagesOverChat.Refused {
    if (chat.has("tools") || chat.has("functions")) {
      throw new MessagesOverChat.Refused("tools: not supported on an Anthropic backend through chat completions");
    }
    ObjectNode params = JSON.createObjectNode().put("model", chat.path("model").asText());
    StringBuilder system = new StringBuilder();
    ArrayNode messages = JSON.createArrayNode();
    for (JsonNode m : chat.path("messages")) {
      String role = m.path("role").asText();
      String text = text(m.path("content"));
      if (role.equals("system") || role.equals("developer")) {
        if (!system.isEmpty()) system.append('\n');
        system.append(text);
      } else if (role.equals("user") || role.equals("assistant")) {
        messages.addObject().put("role", role).put("content", text);
      } else {
        throw new MessagesOverChat.Refused("messages: role '" + role + "' is not supported on an Anthropic backend");
      }
    }
    JsonNode max = chat.has("max_completion_tokens") ? chat.get("max_completion_tokens") : chat.get("max_tokens");
    params.put("max_tokens", max != null && max.canConvertToLong() ? max.asLong() : defaultMaxTokens);
    if (!system.isEmpty()) params.put("system", system.toString());
    params.set("messages", messages);
    JsonNode stop = chat.get("stop");
    if (stop != null && stop.isTextual()) params.putArray("stop_sequences").add(stop.textValue());
    else if (stop != null && stop.isArray()) params.set("stop_sequences", stop);
    for (String same : new String[] {"temperature", "top_p"}) {
      if (chat.has(same)) params.set(same, chat.get(same));
    }
    return params;
  }

  private static String text(JsonNode content) throws MessagesOverChat.Refused {
    if (content.isTextual()) return content.textValue();
    if (!content.isArray()) throw new MessagesOverChat.Refused("messages: content must be text");
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content) {
      if (!"text".equals(part.path("type").asText())) {
        throw new MessagesOverChat.Refused("messages: '" + part.path("type").asText() + "' parts are not supported on"
            + " an Anthropic backend; only text");
      }
      text.append(part.path("text").asText());
    }
    return text.toString();
  }

  private static String toChatCompletion(JsonNode message) throws IOException {
    StringBuilder text = new StringBuilder();
    for (JsonNode block : message.path("content")) {
      if ("text".equals(block.path("type").asText())) text.append(block.path("text").asText());
    }
    ObjectNode chat = JSON.createObjectNode();
    chat.put("id", "chatcmpl-" + RandomIds.hex());
    chat.put("object", "chat.completion").put("created", Instant.now().getEpochSecond());
    chat.put("model", message.path("model").asText());
    ObjectNode choice = chat.putArray("choices").addObject().put("index", 0);
    choice.putObject("message").put("role", "assistant").put("content", text.toString());
    choice.put("finish_reason", "max_tokens".equals(message.path("stop_reason").asText()) ? "length" : "stop");
    long in = message.path("usage").path("input_tokens").asLong();
    long out = message.path("usage").path("output_tokens").asLong();
    chat.putObject("usage").put("prompt_tokens", in).put("completion_tokens", out).put("total_tokens", in + out);
    return JSON.writeValueAsString(chat);
  }

  private static String openAiError(String message) {
    return ErrorBodies.openAi(message, "invalid_request_error", null);
  }
}
