package dev.barge.api;

import dev.barge.config.ApiKey;
import dev.barge.config.AuthConfig;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Binds each call to a project by its API key ({@code Authorization: Bearer <key>}, or the header or
 * parameter another API's SDKs send it in). With no keys
 * configured every caller is the default project and an admin (the server then listens on loopback only).
 */
final class Auth {
  private static final String PROJECT = "barge.project";
  private static final String ADMIN = "barge.admin";

  private final List<ApiKey> keys;

  Auth(AuthConfig config) {
    this.keys = config.apiKeys();
  }

  void authenticate(Context ctx) {
    if (keys.isEmpty()) {
      ctx.attribute(PROJECT, ApiKey.DEFAULT_PROJECT);
      ctx.attribute(ADMIN, true);
      return;
    }
    String presented = presentedKey(ctx);
    if (presented == null || presented.isEmpty()) {
      throw new ApiException(401, "invalid_request_error", null, "invalid_api_key", "You didn't provide an API key."
          + " Send it as 'Authorization: Bearer <key>', 'x-api-key: <key>' or 'x-goog-api-key: <key>'.");
    }
    for (ApiKey key : keys) {
      // Constant-time comparison: response timing must not reveal how much of a key was right.
      if (MessageDigest.isEqual(key.key().getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8))) {
        ctx.attribute(PROJECT, key.project());
        ctx.attribute(ADMIN, key.admin());
        return;
      }
    }
    throw new ApiException(401, "invalid_request_error", null, "invalid_api_key", "Incorrect API key provided.");
  }

  /** The key as each API's SDKs send it: OpenAI's bearer token, Anthropic's and Google's headers, Google's {@code ?key=}. */
  private static String presentedKey(Context ctx) {
    String header = ctx.header("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) return header.substring(7).trim();
    if (ctx.header("x-api-key") != null) return ctx.header("x-api-key");
    if (ctx.header("x-goog-api-key") != null) return ctx.header("x-goog-api-key");
    return ctx.queryParam("key");
  }

  /** Lets through only admin keys: {@code what} shows every project's traffic, not only the caller's. */
  static void requireAdmin(Context ctx, String what) {
    if (!Boolean.TRUE.equals(ctx.attribute(ADMIN))) {
      throw new ApiException(403, "invalid_request_error", null, "admin_key_required", what + " shows the whole"
          + " server, every project's traffic included, and needs an admin key (an auth.api_keys entry with"
          + " admin: true); this key acts for project '" + project(ctx) + "' only.");
    }
  }

  static String project(Context ctx) {
    return ctx.attribute(PROJECT);
  }
}
