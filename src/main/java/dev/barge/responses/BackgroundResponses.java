package dev.barge.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.batch.Excerpt;
import dev.barge.batch.InvalidRequestException;
import dev.barge.batch.NotFoundException;
import dev.barge.store.ResponseRow;
import dev.barge.store.ResponseStore;
import dev.barge.upstream.Backend;
import dev.barge.upstream.Backends;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.SseEvent;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * Background responses ({@code POST /v1/responses} with {@code "background": true}): accepted at once and
 * saved, run by the dispatcher ahead of batch work, read back by id, followed as a stream of events from
 * any point, cancelled and deleted.
 */
public final class BackgroundResponses {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** A follower with nothing new for this long is sent a comment, so proxies keep the connection. */
  private static final long KEEP_ALIVE_MS = 15_000;
  /** How long a follower waits for a change announced on this node before it reads again (other nodes). */
  private static final long LOOK_AGAIN_MS = 1_000;

  /** Where a followed response's events go. */
  public interface EventSink {
    void event(SseEvent event) throws IOException;

    /** Nothing new for a while: a comment that keeps the connection open. */
    void keepAlive() throws IOException;
  }

  /** What a new response must pass before it is accepted; throws to refuse it (a spent budget). */
  public interface Admission {
    void admit(String project);
  }

  private final ResponseStore store;
  private final Backends backends;
  private final ResponseChanges changes;
  private final Admission admission;
  private final Runnable created;
  private final Consumer<String> cancelled;
  private final Clock clock;

  /**
   * @param created told that a response was saved, to be claimed
   * @param cancelled told the id of a response cancelled or deleted, whose call in flight is not wanted
   */
  public BackgroundResponses(ResponseStore store, Backends backends, ResponseChanges changes, Admission admission,
      Runnable created, Consumer<String> cancelled, Clock clock) {
    this.store = store;
    this.backends = backends;
    this.changes = changes;
    this.admission = admission;
    this.created = created;
    this.cancelled = cancelled;
    this.clock = clock;
  }

  /**
   * Saves {@code request} (a Responses request with {@code "background": true} of a model some backend
   * serves) as a queued response, and returns it. The backend will be sent the request without
   * {@code background} and {@code stream}: its answer comes back whole.
   */
  public ResponseRow create(String project, ObjectNode request) {
    String model = request.path("model").asText();
    if (request.path("store").isBoolean() && !request.path("store").asBoolean()) {
      throw new InvalidRequestException("store", "A background response is stored until it is read: \"store\": false"
          + " cannot be used with \"background\": true.");
    }
    List<Backend> serving = backends.serving(model);
    if (serving.stream().noneMatch(b -> b.serves(Endpoint.RESPONSES))) {
      throw new InvalidRequestException("model", "The model '" + Excerpt.of(model) + "' is served only by backends"
          + " that do not speak /v1/responses (" + serving.stream().map(b -> b.config().type().yamlName()).distinct()
          .toList() + "); use /v1/chat/completions or /v1/messages for it.");
    }
    admission.admit(project);
    ObjectNode forBackend = request.deepCopy();
    forBackend.remove(List.of("background", "stream", "stream_options"));
    String id = "resp_" + randomHex();
    long now = clock.millis();
    store.insert(id, project, model, forBackend.toString(), now);
    created.run();
    return new ResponseRow(id, project, model, forBackend.toString(), "queued", now, null, null, null, null, null);
  }

  /** The response as the API shows it. */
  public ObjectNode view(ResponseRow row) {
    return ResponseObject.of(row);
  }

  /** A response of {@code project} by id. */
  public ResponseRow find(String project, String id) {
    return store.find(project, id).orElseThrow(() -> new NotFoundException("response_id",
        "No background response found with id '" + Excerpt.of(id) + "'."));
  }

  /**
   * Cancels a response that is queued or in progress (its call in flight is interrupted) and returns it;
   * one that ended already comes back as it ended.
   */
  public ResponseRow cancel(String project, String id) {
    find(project, id);
    if (store.cancel(project, id, clock.millis())) {
      cancelled.accept(id);
      changes.changed(List.of(id));
    }
    return find(project, id);
  }

  /** Deletes a response (cancelling it if it runs). */
  public void delete(String project, String id) {
    if (!store.delete(project, id)) find(project, id); // throws: there was none
    cancelled.accept(id);
    changes.changed(List.of(id));
  }

  /**
   * Sends the events of a response after sequence number {@code startingAfter} (-1 for all) to {@code sink}
   * as they come, until its last event (or its deletion). Blocks until then; returns early only by an
   * {@link IOException} of the sink (the caller left). The response runs on either way.
   */
  public void follow(String project, String id, long startingAfter, EventSink sink)
      throws IOException, InterruptedException {
    long sent = startingAfter;
    long quietSince = clock.millis();
    while (true) {
      ResponseChanges.Next next = changes.next(id);
      try {
        ResponseRow row = store.find(project, id).orElse(null);
        if (row == null) return; // deleted meanwhile
        List<SseEvent> events = ResponseEvents.of(row);
        for (int seq = (int) Math.min(events.size(), Math.max(0, sent + 1)); seq < events.size(); seq++) {
          sink.event(events.get(seq));
          sent = seq;
          quietSince = clock.millis();
        }
        if (ResponseEvents.complete(row)) return;
        if (!next.await(LOOK_AGAIN_MS) && clock.millis() - quietSince >= KEEP_ALIVE_MS) {
          sink.keepAlive();
          quietSince = clock.millis();
        }
      } finally {
        changes.forget(next);
      }
    }
  }

  private static String randomHex() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
