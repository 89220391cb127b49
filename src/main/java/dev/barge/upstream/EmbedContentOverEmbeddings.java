package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * Gemini embedContent requests served by an OpenAI-format embeddings backend: the content's text parts,
 * joined by newlines, become one input ({@code outputDimensionality} its {@code dimensions}); the vector
 * comes back as Gemini's {@code embedding.values}. {@code taskType} and {@code title} have no counterpart and
 * are left out.
 */
final class EmbedContentOverEmbeddings {
  private static final ObjectMapper JSON = new ObjectMapper();

  private EmbedContentOverEmbeddings() {}

  /** Sends {@code body} through {@code sendEmbeddings} (an embeddings call) and answers as Gemini would. */
  static Outcome send(byte[] body, Function<byte[], Outcome> sendEmbeddings) {
    ObjectNode request;
    try {
      request = embeddingsRequest(body);
    } catch (Untranslatable e) {
      return e.answer();
    }
    return GeminiAnswers.answered(sendEmbeddings.apply(request.toString().getBytes(StandardCharsets.UTF_8)),
        EmbedContentOverEmbeddings::toGemini);
  }

  static ObjectNode embeddingsRequest(byte[] body) throws Untranslatable {
    JsonNode root = GeminiRequest.object(body);
    JsonNode content = ProtoJson.field(root, "content");
    if (content == null) throw GeminiAnswers.refused("content: required");
    ObjectNode request = JSON.createObjectNode().put("model", root.path("model").asText())
        .put("input", GeminiRequest.text(content.path("parts"), "content.parts"));
    JsonNode dimensions = ProtoJson.field(root, "outputDimensionality");
    if (dimensions != null) request.set("dimensions", dimensions);
    return request;
  }

  static ObjectNode toGemini(JsonNode answer) throws GeminiAnswers.Unreadable {
    JsonNode values = answer.path("data").path(0).path("embedding");
    if (!values.isArray()) throw new GeminiAnswers.Unreadable("The backend's answer holds no embedding.");
    return GeminiAnswers.embedding(values, answer.path("usage").path("prompt_tokens").asLong());
  }
}
