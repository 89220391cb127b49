package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Gemini generateContent requests served by an Anthropic backend: the request becomes a Messages request,
 * the answer's text blocks one candidate. Messages has no JSON mode and answers once, so
 * {@code responseMimeType: application/json} and a {@code candidateCount} above 1 are refused, like
 * anything else the translation cannot carry, with a final 400 in Google's envelope.
 */
final class GenerateContentOverMessages {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<Map.Entry<String, String>> OPTIONS = List.of(
      Map.entry("stopSequences", "stop_sequences"), Map.entry("temperature", "temperature"),
      Map.entry("topP", "top_p"), Map.entry("topK", "top_k"));

  private GenerateContentOverMessages() {}

  /**
   * Sends {@code body} through {@code sendMessages} and answers as Gemini would; a request without
   * {@code maxOutputTokens} gets {@code defaultMaxTokens} (Messages requires a bound).
   */
  static Outcome send(byte[] body, long defaultMaxTokens, Function<byte[], Outcome> sendMessages) {
    ObjectNode messages;
    try {
      messages = messagesRequest(GeminiRequest.generateContent(body), defaultMaxTokens);
    } catch (Untranslatable e) {
      return e.answer();
    }
    String model = messages.path("model").asText();
    return GeminiAnswers.answered(sendMessages.apply(messages.toString().getBytes(StandardCharsets.UTF_8)),
        answer -> toGemini(answer, model));
  }

  static ObjectNode messagesRequest(GeminiRequest request, long defaultMaxTokens) throws Untranslatable {
    if (request.wantsJson()) {
      throw GeminiAnswers.refused("generationConfig.responseMimeType: 'application/json' is not supported on an"
          + " Anthropic backend");
    }
    JsonNode candidates = request.option("candidateCount");
    if (candidates != null && candidates.asInt(1) != 1) {
      throw GeminiAnswers.refused("generationConfig.candidateCount: an Anthropic backend answers one candidate");
    }
    ObjectNode params = JSON.createObjectNode().put("model", request.model());
    JsonNode max = request.option("maxOutputTokens");
    params.put("max_tokens", max != null && max.canConvertToLong() ? max.asLong() : defaultMaxTokens);
    if (request.system() != null) params.put("system", request.system());
    ArrayNode messages = params.putArray("messages");
    for (GeminiRequest.Turn turn : request.turns()) {
      messages.addObject().put("role", turn.role()).put("content", turn.text());
    }
    request.copyOptions(params, OPTIONS);
    return params;
  }

  /** A Message as a GenerateContentResponse of {@code model}. */
  static ObjectNode toGemini(JsonNode message, String model) {
    StringBuilder text = new StringBuilder();
    for (JsonNode block : message.path("content")) {
      if ("text".equals(block.path("type").asText())) text.append(block.path("text").asText());
    }
    String finish = switch (message.path("stop_reason").asText()) {
      case "end_turn", "stop_sequence" -> "STOP";
      case "max_tokens" -> "MAX_TOKENS";
      case "refusal" -> "SAFETY";
      default -> "OTHER";
    };
    JsonNode usage = message.path("usage");
    long cached = usage.path("cache_read_input_tokens").asLong();
    // Messages counts cache reads and writes apart from input_tokens; Gemini's prompt count holds them all.
    long prompt = usage.path("input_tokens").asLong() + cached + usage.path("cache_creation_input_tokens").asLong();
    GeminiAnswers.Tokens tokens = new GeminiAnswers.Tokens(prompt, usage.path("output_tokens").asLong(), cached, 0);
    return GeminiAnswers.response(List.of(new GeminiAnswers.Candidate(0, text.toString(), finish)), tokens, model,
        message.path("id").asText(RandomIds.hex()));
  }
}
