package dev.barge.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.batch.Excerpt;
import dev.barge.dispatch.Priority;
import dev.barge.engine.Engine;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.StreamedCall;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The synchronous OpenAI endpoints, proxied to the backend serving the model ahead of all batch work:
 * the backend's answer (status, body, request id) comes back as it is. With {@code "stream": true} the
 * answer comes as server-sent events, passed on as the backend sends them. A request with
 * {@code "service_tier": "flex"} waits behind interactive ones, longer, and is turned away with 429
 * {@code resource_unavailable} when no capacity comes free in time. A Responses request with
 * {@code "background": true} is not proxied: it is saved and run later ({@link BackgroundRoutes}).
 */
final class InteractiveRoutes {
  private static final List<Endpoint> PROXIED = List.of(Endpoint.CHAT_COMPLETIONS, Endpoint.COMPLETIONS,
      Endpoint.EMBEDDINGS, Endpoint.RESPONSES, Endpoint.MODERATIONS, Endpoint.MESSAGES);

  private final Engine engine;
  private final JsonBody body;
  private final BackgroundRoutes background;

  /** @param maxBodyBytes the largest request body accepted ({@code server.max_request_bytes}) */
  InteractiveRoutes(Engine engine, int maxBodyBytes) {
    this.engine = engine;
    this.body = new JsonBody(maxBodyBytes, "server.max_request_bytes");
    this.background = new BackgroundRoutes(engine.backgroundResponses());
  }

  void register(Javalin app) {
    for (Endpoint endpoint : PROXIED) app.post(endpoint.path(), ctx -> proxy(ctx, endpoint));
    background.register(app);
  }

  private void proxy(Context ctx, Endpoint endpoint) throws InterruptedException, IOException {
    JsonBody.Bytes read = body.bytes(ctx);
    JsonNode request = read.object();
    JsonNode model = request.get("model");
    if (model == null || model.isNull()) throw ApiException.missing("model");
    if (!model.isTextual()) throw ApiException.badRequest("model", "'model' must be a string.");
    boolean stream = request.path("stream").asBoolean(false);
    if (stream && !endpoint.generatesText()) {
      throw ApiException.badRequest("stream", "'stream' is not supported on " + endpoint.path() + ".");
    }
    if (engine.backends().serving(model.textValue()).isEmpty()) {
      throw new ApiException(404, "invalid_request_error", "model", "model_not_found",
          "The model '" + Excerpt.of(model.textValue()) + "' is not served by any backend of this Barge server.");
    }
    if (endpoint == Endpoint.RESPONSES && request.path("background").asBoolean(false)) {
      background.create(ctx, (ObjectNode) request);
      return;
    }
    boolean flex = "flex".equals(request.path("service_tier").asText(null));
    Priority priority = flex ? Priority.FLEX : Priority.INTERACTIVE;
    if (stream) {
      Optional<StreamedCall> call = engine.streamNow(Auth.project(ctx), priority, endpoint, model.textValue(),
          read.bytes(), new SseResponse(ctx));
      // Streamed, the answer has gone out already, its errors inside the stream.
      if (call.isEmpty() || !call.get().streamed()) answer(ctx, call.map(StreamedCall::outcome), flex, model.textValue());
      return;
    }
    answer(ctx, engine.sendNow(Auth.project(ctx), priority, endpoint, model.textValue(), read.bytes()), flex,
        model.textValue());
  }

  /** The backend's answer, or what Barge says for it: none in time (empty), or none that could be used. */
  private static void answer(Context ctx, Optional<Outcome> outcome, boolean flex, String model) {
    switch (outcome.orElse(null)) {
      case null -> throw flex
          ? new ApiException(429, "resource_unavailable", null, "resource_unavailable", "Resource unavailable:"
              + " no capacity for flex processing of '" + model + "' came free in time. Try again"
              + " later, or without \"service_tier\": \"flex\". You are not charged for this request.")
          : new ApiException(503, "server_error", null, "overloaded",
              "Every backend serving '" + model + "' is busy; try again shortly.");
      case Outcome.Garbled g -> throw new ApiException(502, "server_error", null, "invalid_backend_response",
          "The backend serving '" + model + "' answered " + g.status() + " with a body that is not JSON"
              + " (cut off or mangled on the way); try again.");
      case Outcome.Answered a -> {
        if (a.requestId() != null) ctx.header("x-request-id", a.requestId());
        ctx.status(a.status()).contentType("application/json").result(a.body());
      }
      case Outcome.TransportFailure t -> throw new ApiException(502, "server_error", null, "backend_unreachable",
          "The backend serving '" + model + "' did not answer: " + t.reason());
    }
  }
}
