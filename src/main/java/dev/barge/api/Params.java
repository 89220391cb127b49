package dev.barge.api;

import dev.barge.batch.Excerpt;
import io.javalin.http.Context;

/** Query parameters with the checks the API documents; a bad value is the caller's mistake, named. */
final class Params {
  private Params() {}

  static int limit(Context ctx, int defaultValue, int max) {
    return limit(ctx, "limit", defaultValue, max);
  }

  /** A count from 1 to {@code max} in query parameter {@code name}. */
  static int limit(Context ctx, String name, int defaultValue, int max) {
    String raw = ctx.queryParam(name);
    if (raw == null) return defaultValue;
    try {
      int value = Integer.parseInt(raw.trim());
      if (value >= 1 && value <= max) return value;
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw ApiException.badRequest(name, "Invalid '" + name + "': '" + Excerpt.of(raw) + "'; use an integer from 1 to "
        + max + ".");
  }

  /**
   * Before every API request: no NUL character ({@code %00}) in its path or query. Nothing Barge names
   * contains one, and a database refuses it as a server error.
   */
  static void refuseNul(Context ctx) {
    String query = ctx.queryString();
    if (ctx.req().getRequestURI().contains("%00") || query != null && query.contains("%00")) {
      throw ApiException.badRequest(null, "The URL must not contain a NUL character (%00).");
    }
  }

  static String optional(Context ctx, String name) {
    String raw = ctx.queryParam(name);
    return raw == null || raw.isEmpty() ? null : raw;
  }
}
