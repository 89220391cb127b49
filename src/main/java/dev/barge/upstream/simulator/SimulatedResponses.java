package dev.barge.upstream.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.GeminiAnswers;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The exact response shapes of OpenAI (and of Anthropic's Messages and Gemini's generateContent and
 * embedContent), filled with simulated content and usage.
 */
final class SimulatedResponses {
  private static final List<String> MODERATION_CATEGORIES = List.of(
      "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent",
      "self-harm", "self-harm/instructions", "self-harm/intent", "sexual", "sexual/minors", "violence",
      "violence/graphic");
  private static final String FINGERPRINT = "fp_barge_simulator";

  private final ObjectMapper json;

  SimulatedResponses(ObjectMapper json) {
    this.json = json;
  }

  /** An id like OpenAI's: {@code prefix} and 32 random hex digits. Ids are unique per answer, content is not. */
  static String id(String prefix) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    HexFormat hex = HexFormat.of();
    return prefix + hex.toHexDigits(random.nextLong()) + hex.toHexDigits(random.nextLong());
  }

  String render(SimulatedRequest request, long createdEpochSecond) {
    ObjectNode body = switch (request.endpoint()) {
      case CHAT_COMPLETIONS -> chatCompletion(request, createdEpochSecond);
      case COMPLETIONS -> textCompletion(request, createdEpochSecond);
      case EMBEDDINGS -> embeddings(request);
      case RESPONSES -> response(request, createdEpochSecond);
      case MODERATIONS -> moderation(request);
      case MESSAGES -> message(request);
      case GENERATE_CONTENT -> generateContent(request);
      case EMBED_CONTENT -> embedContent(request);
    };
    return write(body);
  }

  /** The OpenAI error envelope; all four keys are always present. */
  String error(String message, String type, String param, String code) {
    ObjectNode body = json.createObjectNode();
    body.putObject("error").put("message", message).put("type", type).put("param", param).put("code", code);
    return write(body);
  }

  /** The error envelope of {@code endpoint}'s API: Google's for Gemini's endpoints, else OpenAI's. */
  String error(Endpoint endpoint, int status, String message, String type, String param, String code) {
    boolean gemini = endpoint == Endpoint.GENERATE_CONTENT || endpoint == Endpoint.EMBED_CONTENT;
    return gemini ? GeminiAnswers.error(status, message) : error(message, type, param, code);
  }

  /** The Anthropic error envelope, with a request id as Anthropic's carry. */
  String anthropicError(String type, String message) {
    ObjectNode body = json.createObjectNode().put("type", "error");
    body.putObject("error").put("type", type).put("message", message);
    body.put("request_id", id("req_"));
    return write(body);
  }

  private ObjectNode chatCompletion(SimulatedRequest request, long created) {
    SimulatedContent.Reply reply = SimulatedContent.reply(request.hash(), request.texts().getFirst(),
        request.replyBudget());
    ObjectNode body = head(id("chatcmpl-"), "chat.completion", created, request.model());
    ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
    ObjectNode message = choice.putObject("message").put("role", "assistant").put("content", reply.text());
    message.putNull("refusal");
    message.putArray("annotations");
    choice.putNull("logprobs");
    choice.put("finish_reason", reply.truncated() ? "length" : "stop");
    ObjectNode usage = usage(body, request.promptTokens(), reply.tokens());
    usage.putObject("prompt_tokens_details").put("cached_tokens", request.cachedTokens()).put("audio_tokens", 0);
    usage.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0)
        .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
    body.put("service_tier", "default").put("system_fingerprint", FINGERPRINT);
    return body;
  }

  /** An Anthropic Message, with every key a strict client expects. */
  private ObjectNode message(SimulatedRequest request) {
    SimulatedContent.Reply reply = SimulatedContent.reply(request.hash(), request.texts().getFirst(),
        request.replyBudget());
    ObjectNode body = json.createObjectNode().put("id", id("msg_")).put("type", "message").put("role", "assistant")
        .put("model", request.model());
    body.putArray("content").addObject().put("type", "text").put("text", reply.text());
    body.put("stop_reason", reply.truncated() ? "max_tokens" : "end_turn");
    body.putNull("stop_sequence");
    ObjectNode usage = body.putObject("usage").put("input_tokens", request.promptTokens())
        .put("output_tokens", reply.tokens());
    usage.putNull("cache_creation_input_tokens").putNull("cache_read_input_tokens");
    return body;
  }

  /** A Gemini GenerateContentResponse: the chat completion's text and usage, in Gemini's shape. */
  private ObjectNode generateContent(SimulatedRequest request) {
    SimulatedContent.Reply reply = SimulatedContent.reply(request.hash(), request.texts().getFirst(),
        request.replyBudget());
    GeminiAnswers.Candidate candidate = new GeminiAnswers.Candidate(0, reply.text(),
        reply.truncated() ? "MAX_TOKENS" : "STOP");
    return GeminiAnswers.response(List.of(candidate), new GeminiAnswers.Tokens(request.promptTokens(), reply.tokens(),
        request.cachedTokens(), 0), request.model(), id(""));
  }

  private ObjectNode embedContent(SimulatedRequest request) {
    ArrayNode values = json.createArrayNode();
    for (float v : SimulatedContent.embedding(request.texts().getFirst(), request.dimensions())) values.add(v);
    return GeminiAnswers.embedding(values, request.promptTokens());
  }

  private ObjectNode textCompletion(SimulatedRequest request, long created) {
    ObjectNode body = head(id("cmpl-"), "text_completion", created, request.model());
    body.put("system_fingerprint", FINGERPRINT);
    ArrayNode choices = body.putArray("choices");
    int completionTokens = 0;
    for (int i = 0; i < request.texts().size(); i++) {
      SimulatedContent.Reply reply = SimulatedContent.reply(SimulatedContent.variant(request.hash(), i),
          request.texts().get(i), request.replyBudget());
      completionTokens += reply.tokens();
      ObjectNode choice = choices.addObject().put("text", reply.text()).put("index", i);
      choice.putNull("logprobs");
      choice.put("finish_reason", reply.truncated() ? "length" : "stop");
    }
    usage(body, request.promptTokens(), completionTokens);
    return body;
  }

  private ObjectNode embeddings(SimulatedRequest request) {
    ObjectNode body = json.createObjectNode().put("object", "list");
    ArrayNode data = body.putArray("data");
    for (int i = 0; i < request.texts().size(); i++) {
      float[] vector = SimulatedContent.embedding(request.texts().get(i), request.dimensions());
      ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
      if (request.base64()) {
        item.put("embedding", SimulatedContent.base64(vector));
      } else {
        ArrayNode values = item.putArray("embedding");
        for (float v : vector) values.add(v);
      }
    }
    body.put("model", request.model());
    body.putObject("usage").put("prompt_tokens", request.promptTokens()).put("total_tokens", request.promptTokens());
    return body;
  }

  private ObjectNode response(SimulatedRequest request, long created) {
    SimulatedContent.Reply reply = SimulatedContent.reply(request.hash(), request.texts().getFirst(),
        request.replyBudget());
    ObjectNode body = json.createObjectNode().put("id", id("resp_")).put("object", "response")
        .put("created_at", created).put("status", reply.truncated() ? "incomplete" : "completed");
    body.putNull("error");
    if (reply.truncated()) {
      body.putObject("incomplete_details").put("reason", "max_output_tokens");
    } else {
      body.putNull("incomplete_details");
    }
    body.putNull("instructions");
    body.put("max_output_tokens", request.maxOutputTokens()).put("model", request.model());
    ObjectNode message = body.putArray("output").addObject().put("type", "message").put("id", id("msg_"))
        .put("status", reply.truncated() ? "incomplete" : "completed").put("role", "assistant");
    ObjectNode text = message.putArray("content").addObject().put("type", "output_text").put("text", reply.text());
    text.putArray("annotations");
    text.putArray("logprobs");
    body.put("parallel_tool_calls", true);
    body.putNull("previous_response_id");
    body.putObject("reasoning").putNull("effort").putNull("summary");
    body.put("service_tier", "default").put("store", false).put("temperature", 1.0);
    body.putObject("text").putObject("format").put("type", "text");
    body.put("tool_choice", "auto");
    body.putArray("tools");
    body.put("top_p", 1.0).put("truncation", "disabled");
    ObjectNode usage = body.putObject("usage").put("input_tokens", request.promptTokens());
    usage.putObject("input_tokens_details").put("cached_tokens", request.cachedTokens());
    usage.put("output_tokens", reply.tokens());
    usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
    usage.put("total_tokens", request.promptTokens() + reply.tokens());
    body.putNull("user");
    body.putObject("metadata");
    return body;
  }

  private ObjectNode moderation(SimulatedRequest request) {
    ObjectNode body = json.createObjectNode().put("id", id("modr-")).put("model", request.model());
    ArrayNode results = body.putArray("results");
    for (String input : request.texts()) {
      double[] scores = SimulatedContent.moderationScores(input, MODERATION_CATEGORIES.size());
      ObjectNode result = results.addObject().put("flagged", false);
      ObjectNode categories = result.putObject("categories");
      ObjectNode categoryScores = result.putObject("category_scores");
      ObjectNode inputTypes = result.putObject("category_applied_input_types");
      for (int c = 0; c < scores.length; c++) {
        String name = MODERATION_CATEGORIES.get(c);
        categories.put(name, false);
        categoryScores.put(name, scores[c]);
        inputTypes.putArray(name).add("text");
      }
    }
    return body;
  }

  private ObjectNode head(String id, String object, long created, String model) {
    return json.createObjectNode().put("id", id).put("object", object).put("created", created).put("model", model);
  }

  private static ObjectNode usage(ObjectNode body, int promptTokens, int completionTokens) {
    return body.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
        .put("total_tokens", promptTokens + completionTokens);
  }

  private String write(ObjectNode body) {
    try {
      return json.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
