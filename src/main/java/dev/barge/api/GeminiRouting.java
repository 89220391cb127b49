package dev.barge.api;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;

/**
 * What Gemini's URLs need that Javalin's routes do not give: custom methods after a colon in the last
 * segment ({@code models/m:batchGenerateContent}, {@code batches/b:cancel}), and paths shared with the
 * OpenAI API under {@code /v1}, answered as Gemini's only for a Gemini client.
 */
final class GeminiRouting {
  private GeminiRouting() {}

  /** A resource and the custom method called on it, from a {@code {call}} path segment. */
  record Call(String name, String method) {}

  /**
   * Splits the {@code {call}} segment at its last colon (a model name may hold colons, e.g.
   * {@code llama3:8b}); a leading {@code prefix} such as {@code models/} is dropped.
   */
  static Call call(Context ctx, String prefix) {
    String segment = ctx.pathParam("call");
    int colon = segment.lastIndexOf(':');
    if (colon <= 0) throw unknownMethod(ctx, null);
    String name = segment.substring(0, colon);
    return new Call(name.startsWith(prefix) ? name.substring(prefix.length()) : name, segment.substring(colon + 1));
  }

  static ApiException unknownMethod(Context ctx, String method) {
    return new ApiException(404, "invalid_request_error", null, null, "Unknown request URL: " + ctx.method() + " "
        + ctx.path() + (method == null ? "." : "; there is no method '" + method + "' here."));
  }

  /** A batch's id from its name as the SDKs send it, {@code batches/…} or bare. */
  static String batchId(String name) {
    return name.startsWith("batches/") ? name.substring("batches/".length()) : name;
  }

  /** A file's id from its name, {@code files/…} or bare. */
  static String fileId(String name) {
    return name.startsWith("files/") ? name.substring("files/".length()) : name;
  }

  /**
   * Serves {@code method path} with {@code handler} for Gemini clients only; others fall through to the
   * route registered for that path (the OpenAI API's). A before-handler, so that it runs first.
   */
  static void forGeminiClients(Javalin app, HandlerType method, String path, Handler handler) {
    app.before(path, ctx -> {
      if (ctx.method() != method || !GeminiWire.isGeminiClient(ctx)) return;
      handler.handle(ctx);
      ctx.skipRemainingHandlers();
    });
  }
}
