package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Gemini generateContent requests served by an OpenAI-compatible backend: the request becomes a chat
 * completion, each choice of the answer a candidate. A request the translation cannot carry (see
 * {@link GeminiRequest}) is refused with a final 400 in Google's envelope and never sent.
 */
final class GenerateContentOverChat {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<Map.Entry<String, String>> OPTIONS = List.of(
      Map.entry("temperature", "temperature"), Map.entry("topP", "top_p"), Map.entry("maxOutputTokens", "max_tokens"),
      Map.entry("stopSequences", "stop"), Map.entry("seed", "seed"), Map.entry("candidateCount", "n"),
      Map.entry("presencePenalty", "presence_penalty"), Map.entry("frequencyPenalty", "frequency_penalty"));

  private GenerateContentOverChat() {}

  /** Sends {@code body} through {@code sendChat} (a chat completions call) and answers as Gemini would. */
  static Outcome send(byte[] body, Function<byte[], Outcome> sendChat) {
    ObjectNode chat;
    try {
      chat = chatRequest(GeminiRequest.generateContent(body));
    } catch (Untranslatable e) {
      return e.answer();
    }
    String model = chat.path("model").asText();
    return GeminiAnswers.answered(sendChat.apply(chat.toString().getBytes(StandardCharsets.UTF_8)),
        answer -> toGemini(answer, model));
  }

  static ObjectNode chatRequest(GeminiRequest request) throws Untranslatable {
    ObjectNode chat = JSON.createObjectNode().put("model", request.model());
    ArrayNode messages = chat.putArray("messages");
    if (request.system() != null) messages.addObject().put("role", "system").put("content", request.system());
    for (GeminiRequest.Turn turn : request.turns()) {
      messages.addObject().put("role", turn.role()).put("content", turn.text());
    }
    request.copyOptions(chat, OPTIONS);
    if (request.wantsJson()) chat.putObject("response_format").put("type", "json_object");
    return chat;
  }

  /** A chat completion as a GenerateContentResponse of {@code model}. */
  static ObjectNode toGemini(JsonNode chat, String model) {
    List<GeminiAnswers.Candidate> candidates = new ArrayList<>();
    JsonNode choices = chat.path("choices");
    for (int i = 0; i < choices.size(); i++) {
      JsonNode choice = choices.get(i);
      candidates.add(new GeminiAnswers.Candidate(choice.path("index").asInt(i),
          choice.path("message").path("content").asText(""), finishReason(choice.path("finish_reason").asText())));
    }
    JsonNode usage = chat.path("usage");
    // Chat counts reasoning within the completion; Gemini counts its thoughts apart from the candidates.
    long reasoning = usage.path("completion_tokens_details").path("reasoning_tokens").asLong();
    GeminiAnswers.Tokens tokens = new GeminiAnswers.Tokens(usage.path("prompt_tokens").asLong(),
        usage.path("completion_tokens").asLong() - reasoning,
        usage.path("prompt_tokens_details").path("cached_tokens").asLong(), reasoning);
    return GeminiAnswers.response(candidates, tokens, model, chat.path("id").asText(RandomIds.hex()));
  }

  private static String finishReason(String chat) {
    return switch (chat) {
      case "stop" -> "STOP";
      case "length" -> "MAX_TOKENS";
      case "content_filter" -> "SAFETY";
      default -> "OTHER";
    };
  }
}
