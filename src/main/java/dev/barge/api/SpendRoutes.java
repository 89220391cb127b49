package dev.barge.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.engine.Engine;
import io.javalin.Javalin;
import io.javalin.http.Context;

/**
 * {@code GET /v1/barge/spend?days=N} (extension): what the caller's project spent per UTC day and tier
 * ({@code batch}, {@code standard} and {@code flex} synchronous requests), today and the N-1 days before.
 */
final class SpendRoutes {
  private static final int MAX_DAYS = 366;

  private final Engine engine;

  SpendRoutes(Engine engine) {
    this.engine = engine;
  }

  void register(Javalin app) {
    app.get("/v1/barge/spend", this::spend);
  }

  private void spend(Context ctx) {
    int days = Params.limit(ctx, "days", 7, MAX_DAYS);
    ObjectNode o = Wire.JSON.createObjectNode().put("object", "list");
    ArrayNode data = o.putArray("data");
    engine.spendOf(Auth.project(ctx), days).forEach(d -> data.add(Wire.spend(d)));
    ctx.json(o);
  }
}
