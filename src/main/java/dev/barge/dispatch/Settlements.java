package dev.barge.dispatch;

import dev.barge.cost.Usage;
import dev.barge.store.ClaimedRequest;
import dev.barge.store.RequestUpdate;
import dev.barge.upstream.ErrorBodies;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.ResponseUsage;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Turns the last outcome of a request into the result row the output or error file will show. */
final class Settlements {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The error code of a line whose every answer was garbled. */
  static final String INVALID_BACKEND_RESPONSE = "invalid_backend_response";

  private Settlements() {}

  static RequestUpdate.Finished finalOutcome(ClaimedRequest r, String owner, Outcome outcome, long now) {
    return switch (outcome) {
      case Outcome.Answered a -> answered(r, owner, a, now);
      case Outcome.TransportFailure t -> new RequestUpdate.Finished(r.batchId(), r.line(), owner, false, null, null,
          null, "request_timeout", "The backend gave no answer after " + r.attempts() + " attempt(s): "
              + t.reason(), Usage.ZERO, now, 0, 0);
    };
  }

  /** The request could not even be sent: its line in the input file is unreadable. Barge's fault, said so. */
  static RequestUpdate.Finished unreadable(ClaimedRequest r, String owner, Exception cause, long now) {
    return new RequestUpdate.Finished(r.batchId(), r.line(), owner, false, null, null, null, "server_error",
        "Barge could not read this request from the input file: " + cause.getMessage(), Usage.ZERO, now, 0, 0);
  }

  private static RequestUpdate.Finished answered(ClaimedRequest r, String owner, Outcome.Answered a, long now) {
    Usage usage = ResponseUsage.ofObject(a.body());
    String requestId = a.requestId() != null ? a.requestId() : "req_" + HexFormat.of().formatHex(randomBytes());
    if (usage == null) {
      // The file format needs a JSON body; describe what the backend sent instead.
      boolean garbled = a.status() >= 200 && a.status() < 300; // Garbled, or a Success built without classify
      String error = ErrorBodies.openAi(garbled
          ? "The backend answered " + a.status() + " with a body that is not JSON (cut off or mangled on the way)"
              + " on each of " + r.attempts() + " attempt(s); the last one began: " + abbreviate(a.body())
          : abbreviate(a.body()), "server_error", garbled ? INVALID_BACKEND_RESPONSE : null);
      return new RequestUpdate.Finished(r.batchId(), r.line(), owner, false, garbled ? 502 : a.status(),
          requestId, error, null, null, Usage.ZERO, now, 0, 0);
    }
    boolean success = a instanceof Outcome.Success;
    return new RequestUpdate.Finished(r.batchId(), r.line(), owner, success, a.status(), requestId,
        asOneLine(a.body()), null, null, success ? usage : Usage.ZERO, now, 0, 0);
  }

  /**
   * The backend's body (a JSON object) on one line, as a JSONL file needs. Valid JSON has line breaks
   * only as whitespace between tokens (inside strings they must be escaped), so blanks can replace them.
   */
  private static String asOneLine(String object) {
    return object.strip().replace('\n', ' ').replace('\r', ' ');
  }

  private static String abbreviate(String text) {
    if (text == null) return "";
    return text.length() <= 500 ? text : text.substring(0, 500) + "…";
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return b;
  }
}
