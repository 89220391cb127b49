package dev.barge.upstream.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.ResponseOutputEvents;
import dev.barge.upstream.SseEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A whole simulated answer told as the API's event stream, a word at a time: chat and completions chunks
 * ending in {@code [DONE]} (with a usage chunk first when asked for), Responses events from
 * {@code response.created} to {@code response.completed}, Messages events from {@code message_start} to
 * {@code message_stop}. Concatenated, the deltas are the unstreamed answer's text.
 */
final class SimulatedStream {
  /** A word and the space after it: the pieces the text arrives in, one per simulated token. */
  private static final Pattern PIECES = Pattern.compile("(?<=\\s)");

  private final ObjectMapper json;

  SimulatedStream(ObjectMapper json) {
    this.json = json;
  }

  /** The events of {@code answer}, a rendered answer of {@code endpoint}. */
  List<SseEvent> events(Endpoint endpoint, String answer, SimulatedRequest.Streaming streaming) {
    try {
      JsonNode whole = json.readTree(answer);
      return switch (endpoint) {
        case CHAT_COMPLETIONS, COMPLETIONS -> chunks(endpoint, (ObjectNode) whole, streaming.includeUsage());
        case RESPONSES -> responseEvents((ObjectNode) whole);
        case MESSAGES -> messageEvents((ObjectNode) whole);
        default -> throw new IllegalArgumentException(endpoint.path() + " does not stream");
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<SseEvent> chunks(Endpoint endpoint, ObjectNode whole, boolean includeUsage) {
    boolean chat = endpoint == Endpoint.CHAT_COMPLETIONS;
    List<SseEvent> events = new ArrayList<>();
    JsonNode choice = whole.path("choices").path(0);
    String text = chat ? choice.path("message").path("content").asText("") : choice.path("text").asText("");
    if (chat) {
      ObjectNode first = chunk(whole, chat);
      ObjectNode c = choiceOf(first);
      c.putObject("delta").put("role", "assistant").put("content", "").putNull("refusal");
      c.putNull("finish_reason");
      events.add(SseEvent.data(first.toString()));
    }
    for (String piece : PIECES.split(text)) {
      if (piece.isEmpty()) continue;
      ObjectNode chunk = chunk(whole, chat);
      ObjectNode c = choiceOf(chunk);
      if (chat) c.putObject("delta").put("content", piece);
      else c.put("text", piece);
      c.putNull("finish_reason");
      events.add(SseEvent.data(chunk.toString()));
    }
    ObjectNode last = chunk(whole, chat);
    ObjectNode c = choiceOf(last);
    if (chat) c.putObject("delta");
    else c.put("text", "");
    c.set("finish_reason", choice.path("finish_reason"));
    events.add(SseEvent.data(last.toString()));
    if (includeUsage) {
      ObjectNode usage = chunk(whole, chat);
      usage.putArray("choices");
      usage.set("usage", whole.path("usage"));
      events.add(SseEvent.data(usage.toString()));
    }
    events.add(SseEvent.data(SseEvent.DONE));
    return events;
  }

  private ObjectNode chunk(ObjectNode whole, boolean chat) {
    ObjectNode chunk = json.createObjectNode().put("id", whole.path("id").asText())
        .put("object", chat ? "chat.completion.chunk" : "text_completion")
        .put("created", whole.path("created").asLong()).put("model", whole.path("model").asText());
    if (whole.has("system_fingerprint")) chunk.set("system_fingerprint", whole.get("system_fingerprint"));
    return chunk;
  }

  private static ObjectNode choiceOf(ObjectNode chunk) {
    ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
    choice.putNull("logprobs");
    return choice;
  }

  private List<SseEvent> responseEvents(ObjectNode whole) {
    List<SseEvent> events = new ArrayList<>();
    int[] sequence = {0};
    ObjectNode pending = whole.deepCopy().put("status", "in_progress");
    pending.putArray("output");
    pending.putNull("usage");
    events.add(responseEvent("response.created", sequence, e -> e.set("response", pending)));
    events.add(responseEvent("response.in_progress", sequence, e -> e.set("response", pending)));
    for (ObjectNode output : ResponseOutputEvents.of(whole)) {
      events.add(responseEvent(output.path("type").asText(), sequence, e -> e.setAll(output)));
    }
    String end = "incomplete".equals(whole.path("status").asText()) ? "response.incomplete" : "response.completed";
    events.add(responseEvent(end, sequence, e -> e.set("response", whole)));
    return events;
  }

  private SseEvent responseEvent(String type, int[] sequence, Consumer<ObjectNode> fill) {
    ObjectNode event = json.createObjectNode().put("type", type);
    fill.accept(event);
    event.put("sequence_number", sequence[0]++);
    return new SseEvent(type, event.toString());
  }

  private List<SseEvent> messageEvents(ObjectNode whole) {
    List<SseEvent> events = new ArrayList<>();
    ObjectNode start = whole.deepCopy();
    start.putArray("content");
    start.putNull("stop_reason");
    start.putNull("stop_sequence");
    ((ObjectNode) start.path("usage")).put("output_tokens", 1);
    events.add(messageEvent("message_start", e -> e.set("message", start)));
    events.add(messageEvent("content_block_start", e -> e.put("index", 0).putObject("content_block")
        .put("type", "text").put("text", "")));
    events.add(messageEvent("ping", e -> { }));
    String text = whole.path("content").path(0).path("text").asText("");
    for (String piece : PIECES.split(text)) {
      if (piece.isEmpty()) continue;
      events.add(messageEvent("content_block_delta", e -> e.put("index", 0).putObject("delta")
          .put("type", "text_delta").put("text", piece)));
    }
    events.add(messageEvent("content_block_stop", e -> e.put("index", 0)));
    events.add(messageEvent("message_delta", e -> {
      e.putObject("delta").put("stop_reason", whole.path("stop_reason").asText()).putNull("stop_sequence");
      e.putObject("usage").put("output_tokens", whole.path("usage").path("output_tokens").asLong());
    }));
    events.add(messageEvent("message_stop", e -> { }));
    return events;
  }

  private SseEvent messageEvent(String type, Consumer<ObjectNode> fill) {
    ObjectNode event = json.createObjectNode().put("type", type);
    fill.accept(event);
    return new SseEvent(type, event.toString());
  }
}
