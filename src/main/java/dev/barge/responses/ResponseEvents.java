package dev.barge.responses;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.store.ResponseRow;
import dev.barge.upstream.ResponseOutputEvents;
import dev.barge.upstream.SseEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The stream events of a background response so far, numbered from 0: {@code response.created} and
 * {@code response.queued}, {@code response.in_progress} once its call started, and once it ended its output
 * and one terminal event ({@code response.completed}, {@code incomplete} or {@code failed}); a cancelled
 * response has no terminal event. They are a function of the stored row, so a replay gives every event
 * again with its number and JSON: a stream can be picked up after any event, on any node.
 */
final class ResponseEvents {
  private ResponseEvents() {}

  /** The events so far; the event at index {@code i} has sequence number {@code i}. */
  static List<SseEvent> of(ResponseRow row) {
    List<ObjectNode> events = new ArrayList<>();
    events.add(withResponse("response.created", ResponseObject.before(row, "queued")));
    events.add(withResponse("response.queued", ResponseObject.before(row, "queued")));
    if (row.startedAt() != null) {
      events.add(withResponse("response.in_progress", ResponseObject.before(row, "in_progress")));
    }
    String status = row.status();
    if (status.equals("completed") || status.equals("incomplete") || status.equals("failed")) {
      ObjectNode whole = ResponseObject.of(row);
      events.addAll(ResponseOutputEvents.of(whole));
      events.add(withResponse("response." + status, whole));
    }
    List<SseEvent> numbered = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      ObjectNode event = events.get(i).put("sequence_number", i);
      numbered.add(new SseEvent(event.path("type").asText(), event.toString()));
    }
    return numbered;
  }

  /** Whether no event will follow the ones so far. */
  static boolean complete(ResponseRow row) {
    return !row.status().equals("queued") && !row.status().equals("in_progress");
  }

  private static ObjectNode withResponse(String type, ObjectNode response) {
    ObjectNode event = JsonNodeFactory.instance.objectNode().put("type", type);
    event.set("response", response);
    return event;
  }
}
