package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A chat completions stream as a Messages event stream: {@code message_start} and one text block opened at
 * the first chunk, a {@code content_block_delta} per piece of text, and at {@code [DONE]} the block closed,
 * {@code message_delta} with the stop reason and usage (the backend is asked for its usage chunk), and
 * {@code message_stop}.
 */
final class MessagesStreamOverChat implements StreamRelay.Translation {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String model;
  private final String serviceTier;
  private boolean started;
  private String stopReason = "end_turn";
  private long inputTokens;
  private long outputTokens;

  /** @param model the model the caller asked for, which the Message names */
  MessagesStreamOverChat(String model, String serviceTier) {
    this.model = model;
    this.serviceTier = serviceTier;
  }

  @Override
  public List<SseEvent> next(SseEvent upstream) throws IOException {
    List<SseEvent> events = new ArrayList<>(3);
    if (upstream.isDone()) {
      start(events);
      events.add(event("content_block_stop", JSON.createObjectNode().put("index", 0)));
      ObjectNode delta = JSON.createObjectNode();
      delta.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
      delta.putObject("usage").put("input_tokens", inputTokens).put("output_tokens", outputTokens);
      events.add(event("message_delta", delta));
      events.add(event("message_stop", JSON.createObjectNode()));
      return events;
    }
    JsonNode chunk = JSON.readTree(upstream.data());
    if (chunk.has("error")) {
      ObjectNode error = JSON.createObjectNode();
      error.putObject("error").put("type", "api_error").put("message", chunk.path("error").path("message").asText());
      return List.of(event("error", error));
    }
    start(events);
    JsonNode choice = chunk.path("choices").path(0);
    String text = choice.path("delta").path("content").asText("");
    if (!text.isEmpty()) {
      ObjectNode delta = JSON.createObjectNode().put("index", 0);
      delta.putObject("delta").put("type", "text_delta").put("text", text);
      events.add(event("content_block_delta", delta));
    }
    String finish = choice.path("finish_reason").asText(null);
    if (finish != null) stopReason = "length".equals(finish) ? "max_tokens" : "end_turn";
    JsonNode usage = chunk.path("usage");
    if (usage.isObject()) {
      inputTokens = usage.path("prompt_tokens").asLong();
      outputTokens = usage.path("completion_tokens").asLong();
    }
    return events;
  }

  /** The events that open the Message, before its first other event. */
  private void start(List<SseEvent> events) {
    if (started) return;
    started = true;
    ObjectNode start = JSON.createObjectNode();
    ObjectNode message = start.putObject("message");
    message.put("id", "msg_" + RandomIds.hex()).put("type", "message")
        .put("role", "assistant").put("model", model);
    message.putArray("content");
    message.putNull("stop_reason");
    message.putNull("stop_sequence");
    message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0).put("service_tier", serviceTier);
    events.add(event("message_start", start));
    ObjectNode block = JSON.createObjectNode().put("index", 0);
    block.putObject("content_block").put("type", "text").put("text", "");
    events.add(event("content_block_start", block));
  }

  /** An event named {@code type}, whose data also carries its type, as Anthropic sends them. */
  private static SseEvent event(String type, ObjectNode data) {
    ObjectNode typed = JSON.createObjectNode().put("type", type);
    typed.setAll(data);
    return new SseEvent(type, typed.toString());
  }
}
