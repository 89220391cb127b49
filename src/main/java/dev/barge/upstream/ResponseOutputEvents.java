package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The Responses stream events that tell the output of a whole Response object, item by item, as the API
 * streams it: for a message, {@code response.output_item.added}, then per part {@code content_part.added},
 * its text a word per {@code output_text.delta}, {@code output_text.done}, {@code content_part.done}, and
 * {@code response.output_item.done}; for a function call, its arguments in one delta. Events come without
 * {@code sequence_number}: the caller numbers them within its stream.
 */
public final class ResponseOutputEvents {
  /** A word and the space after it: the pieces text arrives in. */
  private static final Pattern PIECES = Pattern.compile("(?<=\\s)");
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private ResponseOutputEvents() {}

  /** The events of every item of {@code response.output}, in order. */
  public static List<ObjectNode> of(JsonNode response) {
    List<ObjectNode> events = new ArrayList<>();
    JsonNode output = response.path("output");
    for (int i = 0; i < output.size(); i++) {
      JsonNode item = output.get(i);
      switch (item.path("type").asText()) {
        case "message" -> message(events, i, item);
        case "function_call" -> functionCall(events, i, item);
        default -> {
          events.add(event("response.output_item.added").put("output_index", i).set("item", item));
          events.add(event("response.output_item.done").put("output_index", i).set("item", item));
        }
      }
    }
    return events;
  }

  private static void message(List<ObjectNode> events, int index, JsonNode item) {
    String itemId = item.path("id").asText();
    ObjectNode open = ((ObjectNode) item.deepCopy()).put("status", "in_progress");
    open.putArray("content");
    events.add(event("response.output_item.added").put("output_index", index).set("item", open));
    JsonNode content = item.path("content");
    for (int k = 0; k < content.size(); k++) {
      JsonNode part = content.get(k);
      boolean refusal = "refusal".equals(part.path("type").asText());
      String field = refusal ? "refusal" : "text";
      String text = part.path(field).asText("");
      ObjectNode empty = ((ObjectNode) part.deepCopy()).put(field, "");
      if (!refusal) {
        empty.putArray("annotations");
      }
      events.add(partEvent("response.content_part.added", itemId, index, k).set("part", empty));
      String deltaType = refusal ? "response.refusal.delta" : "response.output_text.delta";
      for (String piece : PIECES.split(text)) {
        if (piece.isEmpty()) continue;
        ObjectNode delta = partEvent(deltaType, itemId, index, k).put("delta", piece);
        if (!refusal) delta.putArray("logprobs");
        events.add(delta);
      }
      ObjectNode done = partEvent(refusal ? "response.refusal.done" : "response.output_text.done", itemId, index, k)
          .put(field, text);
      if (!refusal) done.putArray("logprobs");
      events.add(done);
      events.add(partEvent("response.content_part.done", itemId, index, k).set("part", part));
    }
    events.add(event("response.output_item.done").put("output_index", index).set("item", item));
  }

  private static void functionCall(List<ObjectNode> events, int index, JsonNode item) {
    String itemId = item.path("id").asText();
    String arguments = item.path("arguments").asText("");
    ObjectNode open = ((ObjectNode) item.deepCopy()).put("status", "in_progress").put("arguments", "");
    events.add(event("response.output_item.added").put("output_index", index).set("item", open));
    events.add(event("response.function_call_arguments.delta").put("item_id", itemId).put("output_index", index)
        .put("delta", arguments));
    events.add(event("response.function_call_arguments.done").put("item_id", itemId).put("output_index", index)
        .put("name", item.path("name").asText()).put("arguments", arguments));
    events.add(event("response.output_item.done").put("output_index", index).set("item", item));
  }

  private static ObjectNode partEvent(String type, String itemId, int index, int contentIndex) {
    return event(type).put("item_id", itemId).put("output_index", index).put("content_index", contentIndex);
  }

  private static ObjectNode event(String type) {
    return JSON.objectNode().put("type", type);
  }
}
