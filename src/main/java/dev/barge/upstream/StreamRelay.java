package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.cost.Usage;
import java.io.IOException;
import java.util.List;

/**
 * Passes a backend's event stream on to the caller as it arrives: translated where the two speak different
 * formats, its usage noted on the way, and the usage chunk Barge asked for on the caller's behalf (to price
 * the call) held back from a caller who did not ask for it.
 */
public final class StreamRelay {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Turns one event of the backend's format into the caller's events (none, one or several). */
  public interface Translation {
    List<SseEvent> next(SseEvent upstream) throws IOException;
  }

  /** The caller and the backend speak the same format. */
  public static final Translation SAME = List::of;

  /** The backend's events, one at a time. */
  public interface Events {
    /** The next event, or null at the end of the stream. */
    SseEvent next() throws IOException;
  }

  /** The caller went away: a write to it failed. */
  private static final class CallerGone extends Exception {
    CallerGone(IOException cause) {
      super(cause);
    }
  }

  /**
   * A chat or completions request body that asks for the usage chunk, and whether its caller asked for it
   * (if not, the chunk is kept back from the caller).
   */
  public record WithUsage(byte[] body, boolean callerAsked) {
    public static WithUsage of(byte[] body) throws IOException {
      if (!(JSON.readTree(body) instanceof ObjectNode request)) throw new IOException("not a JSON object");
      boolean callerAsked = request.path("stream_options").path("include_usage").asBoolean(false);
      if (callerAsked) return new WithUsage(body, true);
      request.putObject("stream_options").put("include_usage", true);
      return new WithUsage(JSON.writeValueAsBytes(request), false);
    }
  }

  private final Endpoint endpoint;
  private final Translation translation;
  private final boolean hideUsageChunk;
  private final StreamListener listener;
  private long inputTokens;
  private long cachedTokens;
  private long outputTokens;
  private boolean complete;

  /**
   * @param endpoint the caller's endpoint, whose stream format the caller reads
   * @param hideUsageChunk whether to keep back a chat or completions chunk that carries only usage
   */
  public StreamRelay(Endpoint endpoint, Translation translation, boolean hideUsageChunk, StreamListener listener) {
    this.endpoint = endpoint;
    this.translation = translation;
    this.hideUsageChunk = hideUsageChunk;
    this.listener = listener;
  }

  /**
   * Relays every event of a backend's stream to the caller, which learns first that its answer is coming.
   * Ends as a success ({@code whenComplete}) when the stream reached its proper end; a stream that ended
   * early is cut off (the caller is told, in its format).
   *
   * @throws IOException when reading the backend's events failed; the caller may have had events by then
   */
  public StreamedCall run(String requestId, Outcome whenComplete, Events events) throws IOException {
    try {
      try {
        listener.begin(requestId);
      } catch (IOException e) {
        throw new CallerGone(e);
      }
      for (SseEvent event; (event = events.next()) != null; ) relay(event);
    } catch (CallerGone e) {
      return new StreamedCall(new Outcome.TransportFailure("the caller went away"), usage(), true, true);
    }
    if (complete) return new StreamedCall(whenComplete, usage(), true, false);
    cutOff("the backend ended it early");
    return new StreamedCall(new Outcome.TransportFailure("the stream ended before its end"), usage(), true, false);
  }

  /** One event from the backend. */
  private void relay(SseEvent upstream) throws IOException, CallerGone {
    for (SseEvent event : translation.next(upstream)) {
      boolean usageOnly = note(event);
      if (usageOnly && hideUsageChunk) continue;
      send(event);
    }
  }

  /** The usage the stream has reported so far. */
  Usage usage() {
    return new Usage(inputTokens, cachedTokens, outputTokens, 0, inputTokens + outputTokens);
  }

  /**
   * Tells the caller the stream broke off before its end, as the caller's API reports an error inside a
   * stream; a caller already gone is let be.
   */
  void cutOff(String reason) {
    String message = "The backend's stream broke off before its end: " + reason;
    ObjectNode error = JSON.createObjectNode();
    SseEvent event = switch (endpoint) {
      case MESSAGES -> {
        error.put("type", "error").putObject("error").put("type", "api_error").put("message", message);
        yield new SseEvent("error", error.toString());
      }
      case RESPONSES -> {
        error.put("type", "error").put("code", "server_error").put("message", message).putNull("param");
        yield new SseEvent("error", error.toString());
      }
      default -> {
        error.putObject("error").put("message", message).put("type", "server_error").putNull("param")
            .put("code", "stream_cut_off");
        yield SseEvent.data(error.toString());
      }
    };
    try {
      send(event);
    } catch (CallerGone ignored) {
      // Nobody left to tell.
    }
  }

  private void send(SseEvent event) throws CallerGone {
    try {
      listener.event(event);
    } catch (IOException e) {
      throw new CallerGone(e);
    }
  }

  /** Notes the usage and the end an event in the caller's format carries; true for a chunk of usage only. */
  private boolean note(SseEvent event) throws IOException {
    if (event.isDone()) {
      complete = true;
      return false;
    }
    String data = event.data();
    boolean ends = switch (endpoint) {
      case MESSAGES -> data.contains("\"message_stop\"");
      case RESPONSES -> data.contains("\"response.completed\"") || data.contains("\"response.incomplete\"")
          || data.contains("\"response.failed\"");
      default -> false;
    };
    if (!data.contains("\"usage\"") && !ends) return false;
    JsonNode json = JSON.readTree(data);
    switch (endpoint) {
      case MESSAGES -> {
        String type = json.path("type").asText();
        JsonNode usage = type.equals("message_start") ? json.path("message").path("usage") : json.path("usage");
        if (usage.has("input_tokens") && !usage.path("input_tokens").isNull()) {
          inputTokens = usage.path("input_tokens").asLong();
        }
        if (usage.has("cache_read_input_tokens")) cachedTokens = usage.path("cache_read_input_tokens").asLong(0);
        if (usage.has("output_tokens")) outputTokens = usage.path("output_tokens").asLong();
        if (type.equals("message_stop")) complete = true;
        return false;
      }
      case RESPONSES -> {
        if (json.path("type").asText().startsWith("response.") && json.path("response").isObject()) {
          take(ResponseUsage.of(json.path("response").path("usage")));
          String type = json.path("type").asText();
          if (type.equals("response.completed") || type.equals("response.incomplete")
              || type.equals("response.failed")) {
            complete = true;
          }
        }
        return false;
      }
      default -> {
        JsonNode usage = json.path("usage");
        if (!usage.isObject()) return false;
        take(ResponseUsage.of(usage));
        return json.path("choices").isArray() && json.path("choices").isEmpty();
      }
    }
  }

  private void take(Usage usage) {
    inputTokens = usage.inputTokens();
    cachedTokens = usage.cachedTokens();
    outputTokens = usage.outputTokens();
  }
}
