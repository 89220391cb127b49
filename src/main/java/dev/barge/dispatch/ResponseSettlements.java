package dev.barge.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.cost.PriceTable;
import dev.barge.cost.Tier;
import dev.barge.cost.Usage;
import dev.barge.store.ClaimedResponse;
import dev.barge.store.ResponseUpdate;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.ResponseUsage;
import java.io.IOException;

/**
 * Turns the last outcome of a background response into how it ends: {@code completed} or
 * {@code incomplete} with the backend's Response object, or {@code failed} with an error code of the
 * Responses API ({@code rate_limit_exceeded}, {@code invalid_prompt}, {@code server_error}) and a message
 * that says what happened. Background work is bought at the list price: it has no discount.
 */
final class ResponseSettlements {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PriceTable prices;

  ResponseSettlements(PriceTable prices) {
    this.prices = prices;
  }

  ResponseUpdate.Finished finalOutcome(ClaimedResponse r, String owner, Outcome outcome, long now) {
    return switch (outcome) {
      case Outcome.Success s -> answered(r, owner, s, now);
      case Outcome.Garbled g -> failed(r, owner, "server_error", "The backend answered " + g.status() + " with a body"
          + " that is not JSON (cut off or mangled on the way) on each of " + r.attempts() + " attempt(s).", now);
      case Outcome.Answered a -> failed(r, owner, codeOf(a.status()), "The backend answered " + a.status()
          + (r.attempts() > 1 ? " after " + r.attempts() + " attempts" : "") + ": " + messageOf(a.body()), now);
      case Outcome.TransportFailure t -> failed(r, owner, "server_error", "The backend gave no answer after "
          + r.attempts() + " attempt(s): " + t.reason(), now);
    };
  }

  /** A response not sent: its project's daily budget was spent while it waited. */
  ResponseUpdate.Finished overBudget(ClaimedResponse r, String owner, long now) {
    return failed(r, owner, "budget_exceeded", "Project '" + r.project() + "' spent its daily budget while this"
        + " response waited; it was not sent. Raise projects." + r.project() + ".daily_budget_usd or try again"
        + " tomorrow (UTC).", now);
  }

  private ResponseUpdate.Finished answered(ClaimedResponse r, String owner, Outcome.Success s, long now) {
    JsonNode body;
    try {
      body = JSON.readTree(s.body());
    } catch (IOException e) {
      return failed(r, owner, "server_error", "The backend's answer is not JSON.", now);
    }
    String status = switch (body.path("status").asText("completed")) {
      case "incomplete" -> "incomplete";
      case "failed" -> "failed";
      default -> "completed";
    };
    Usage u = ResponseUsage.ofObject(s.body());
    if (u == null) u = Usage.ZERO;
    long cost = prices.cost(r.model(), u.inputTokens(), u.cachedTokens(), u.outputTokens(), Tier.STANDARD);
    JsonNode error = body.path("error");
    boolean failed = status.equals("failed");
    String code = failed ? error.path("code").asText("server_error") : null;
    String message = failed ? error.path("message").asText("The backend reported the response as failed.") : null;
    return new ResponseUpdate.Finished(r.id(), owner, r.project(), status, s.body(), code, message, u,
        Tier.STANDARD, cost, cost, now);
  }

  private static ResponseUpdate.Finished failed(ClaimedResponse r, String owner, String code, String message,
      long now) {
    return new ResponseUpdate.Finished(r.id(), owner, r.project(), "failed", null, code, message, Usage.ZERO,
        Tier.STANDARD, 0, 0, now);
  }

  /** The Responses API's error code for a final answer of {@code status}. */
  private static String codeOf(int status) {
    if (status == 429) return "rate_limit_exceeded";
    return status >= 400 && status < 500 ? "invalid_prompt" : "server_error";
  }

  /** The message of an error body in either API's envelope, or the start of the body. */
  private static String messageOf(String body) {
    try {
      JsonNode message = JSON.readTree(body).path("error").path("message");
      if (message.isTextual()) return message.asText();
    } catch (IOException | RuntimeException e) {
      // not JSON: say what came
    }
    if (body == null) return "";
    return body.length() <= 300 ? body : body.substring(0, 300) + "…";
  }
}
