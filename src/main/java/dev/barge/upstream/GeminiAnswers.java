package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;

/**
 * Gemini's answers as Barge writes them in a Gemini backend's place: a GenerateContentResponse, an
 * EmbedContentResponse and the Google error envelope, all in camelCase, so that the Gemini batch door can put
 * them in its output as they are. Counts of zero are left out, as Gemini's proto-JSON leaves them out.
 */
public final class GeminiAnswers {
  private static final ObjectMapper JSON = new ObjectMapper();

  private GeminiAnswers() {}

  /** One candidate of an answer: {@code finishReason} is Gemini's, e.g. {@code STOP}, {@code MAX_TOKENS}. */
  public record Candidate(int index, String text, String finishReason) {}

  /**
   * An answer's token counts, as Gemini splits them: {@code prompt} includes {@code cached}, and
   * {@code candidates} does not include {@code thoughts} (the reasoning).
   */
  public record Tokens(long prompt, long candidates, long cached, long thoughts) {}

  /** A GenerateContentResponse of {@code model}. */
  public static ObjectNode response(List<Candidate> candidates, Tokens tokens, String model, String responseId) {
    ObjectNode r = JSON.createObjectNode();
    ArrayNode list = r.putArray("candidates");
    for (Candidate c : candidates) {
      ObjectNode candidate = list.addObject();
      candidate.putObject("content").put("role", "model").putArray("parts").addObject().put("text", c.text());
      candidate.put("finishReason", c.finishReason()).put("index", c.index());
    }
    ObjectNode usage = r.putObject("usageMetadata").put("promptTokenCount", tokens.prompt())
        .put("candidatesTokenCount", tokens.candidates())
        .put("totalTokenCount", tokens.prompt() + tokens.candidates() + tokens.thoughts());
    if (tokens.cached() > 0) usage.put("cachedContentTokenCount", tokens.cached());
    if (tokens.thoughts() > 0) usage.put("thoughtsTokenCount", tokens.thoughts());
    r.put("modelVersion", model).put("responseId", responseId);
    return r;
  }

  /** An EmbedContentResponse; {@code usageMetadata} is Barge's, so that the call can be priced. */
  public static ObjectNode embedding(JsonNode values, long promptTokens) {
    ObjectNode r = JSON.createObjectNode();
    r.putObject("embedding").set("values", values);
    r.putObject("usageMetadata").put("promptTokenCount", promptTokens).put("totalTokenCount", promptTokens);
    return r;
  }

  /** Google's error envelope: {@code {"error": {"code", "message", "status"}}}, the code being the HTTP status. */
  public static String error(int httpStatus, String message) {
    ObjectNode e = JSON.createObjectNode();
    e.putObject("error").put("code", httpStatus).put("message", message).put("status", status(httpStatus));
    return e.toString();
  }

  /** The canonical status name Google's APIs give with an HTTP status. */
  public static String status(int httpStatus) {
    return switch (httpStatus) {
      case 401 -> "UNAUTHENTICATED";
      case 403 -> "PERMISSION_DENIED";
      case 404 -> "NOT_FOUND";
      case 408, 504 -> "DEADLINE_EXCEEDED";
      case 409 -> "ABORTED";
      case 429 -> "RESOURCE_EXHAUSTED";
      case 499 -> "CANCELLED";
      case 501 -> "UNIMPLEMENTED";
      case 503, 529 -> "UNAVAILABLE"; // 529: Anthropic's "overloaded"
      default -> httpStatus >= 500 ? "INTERNAL" : "INVALID_ARGUMENT";
    };
  }

  /** A request the translation cannot carry: refused with the 400 Gemini gives a bad request, never sent. */
  static Untranslatable refused(String message) {
    return new Untranslatable(new Outcome.Rejected(400, error(400, message), null));
  }

  /** Turns a backend's successful answer (a JSON object) into Gemini's. */
  interface Translation {
    ObjectNode apply(JsonNode answer) throws Unreadable;
  }

  /** A successful answer that lacks what the translation needs. */
  static final class Unreadable extends Exception {
    Unreadable(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The outcome of a call to another API as the Gemini call's: a success's answer translated, an error's body
   * put in Google's envelope (its status, retry-after and limits kept, so it is retried as before); a garbled
   * answer or a transport failure stays as it is.
   */
  static Outcome answered(Outcome outcome, Translation translation) {
    return switch (outcome) {
      case Outcome.Success s -> {
        try {
          yield new Outcome.Success(s.status(), translation.apply(JSON.readTree(s.body())).toString(), s.requestId(),
              s.limits());
        } catch (IOException | Unreadable e) {
          String why = e instanceof Unreadable ? e.getMessage() : "The backend's answer is not JSON.";
          yield new Outcome.Retryable(502, error(502, why), s.requestId(), null, s.limits());
        }
      }
      case Outcome.RateLimited r -> new Outcome.RateLimited(r.status(), googleBody(r), r.requestId(), r.retryAfter(),
          r.limits());
      case Outcome.Retryable r -> new Outcome.Retryable(r.status(), googleBody(r), r.requestId(), r.retryAfter(),
          r.limits());
      case Outcome.Rejected r -> new Outcome.Rejected(r.status(), googleBody(r), r.requestId(), r.limits());
      case Outcome.Garbled g -> g;
      case Outcome.TransportFailure f -> f;
    };
  }

  /** An error answer's body in Google's envelope, with the message the backend gave when it gave one. */
  private static String googleBody(Outcome.Answered answer) {
    String message;
    try {
      JsonNode said = JSON.readTree(answer.body()).path("error").path("message");
      message = said.isTextual() ? said.textValue() : null;
    } catch (IOException | RuntimeException notJson) {
      message = null;
    }
    return error(answer.status(), message != null ? message : "The backend answered HTTP " + answer.status() + ".");
  }
}
