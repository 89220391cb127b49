package dev.barge.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.batch.Excerpt;
import dev.barge.responses.BackgroundResponses;
import dev.barge.store.ResponseRow;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background responses through the Responses API: created by {@code POST /v1/responses} with
 * {@code "background": true} (answered at once, {@code queued}), read by {@code GET /v1/responses/{id}}
 * (with {@code ?stream=true&starting_after=N}, their events from after number N), cancelled and deleted.
 */
final class BackgroundRoutes {
  private static final Logger log = LoggerFactory.getLogger(BackgroundRoutes.class);

  private final BackgroundResponses responses;

  BackgroundRoutes(BackgroundResponses responses) {
    this.responses = responses;
  }

  void register(Javalin app) {
    app.get("/v1/responses/{response_id}", this::retrieve);
    app.post("/v1/responses/{response_id}/cancel", ctx -> ctx.json(
        responses.view(responses.cancel(Auth.project(ctx), ctx.pathParam("response_id")))));
    app.delete("/v1/responses/{response_id}", ctx -> {
      String id = ctx.pathParam("response_id");
      responses.delete(Auth.project(ctx), id);
      ctx.json(Map.of("id", id, "object", "response", "deleted", true));
    });
  }

  /** {@code POST /v1/responses} with {@code "background": true}: the queued response, or its event stream. */
  void create(Context ctx, ObjectNode request) throws IOException, InterruptedException {
    ResponseRow row = responses.create(Auth.project(ctx), request);
    if (request.path("stream").asBoolean(false)) {
      follow(ctx, row, -1);
    } else {
      ctx.json(responses.view(row));
    }
  }

  private void retrieve(Context ctx) throws IOException, InterruptedException {
    ResponseRow row = responses.find(Auth.project(ctx), ctx.pathParam("response_id"));
    if ("true".equals(ctx.queryParam("stream"))) {
      follow(ctx, row, startingAfter(ctx));
    } else {
      ctx.json(responses.view(row));
    }
  }

  /** The events after {@code startingAfter}, then those to come until the response's last. */
  private void follow(Context ctx, ResponseRow row, long startingAfter) throws IOException, InterruptedException {
    SseResponse sse = new SseResponse(ctx);
    sse.begin(null);
    try {
      responses.follow(row.project(), row.id(), startingAfter, sse);
    } catch (IOException callerLeft) {
      // The response runs on; the caller can pick the stream up again from its last sequence number.
    } catch (RuntimeException e) {
      // The stream has begun: no error answer fits any more. It ends here; the caller picks it up again.
      log.warn("stream of background response {} ended early: {}", row.id(), e.toString());
    }
  }

  private static long startingAfter(Context ctx) {
    String raw = ctx.queryParam("starting_after");
    if (raw == null || raw.isEmpty()) return -1;
    try {
      long value = Long.parseLong(raw.trim());
      if (value >= 0) return value;
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw ApiException.badRequest("starting_after", "Invalid 'starting_after': '" + Excerpt.of(raw)
        + "'; use the sequence number (an integer >= 0) of the last event you received.");
  }
}
