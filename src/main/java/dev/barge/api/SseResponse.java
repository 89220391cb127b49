package dev.barge.api;

import dev.barge.responses.BackgroundResponses;
import dev.barge.upstream.SseEvent;
import dev.barge.upstream.StreamListener;
import io.javalin.http.Context;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A streamed answer written to the caller as server-sent events, each flushed as it comes so that the
 * caller reads every token as soon as the backend sends it. A write that fails means the caller has gone.
 */
final class SseResponse implements StreamListener, BackgroundResponses.EventSink {
  private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);

  private final Context ctx;
  private ServletOutputStream out;

  SseResponse(Context ctx) {
    this.ctx = ctx;
  }

  @Override
  public void begin(String requestId) throws IOException {
    HttpServletResponse response = ctx.res();
    response.setStatus(200);
    response.setContentType("text/event-stream; charset=utf-8");
    response.setHeader("Cache-Control", "no-cache");
    response.setHeader("X-Accel-Buffering", "no"); // nginx and the like pass each event on at once
    if (requestId != null) response.setHeader("x-request-id", requestId);
    out = response.getOutputStream();
    out.flush(); // the headers go now: the caller knows its answer is coming
  }

  @Override
  public void event(SseEvent event) throws IOException {
    out.write(event.wire());
    out.flush();
  }

  @Override
  public void keepAlive() throws IOException {
    out.write(KEEP_ALIVE);
    out.flush();
  }
}
