package dev.barge.api;

import java.io.IOException;

/**
 * Reading the caller's body failed: the client closed the connection or stopped sending before its body
 * was complete (Jetty's {@code EofException}, a reset, a read timeout). The client's doing, not the
 * server's: answered 400 and logged in one line, never as a server error.
 */
final class IncompleteBody extends RuntimeException {
  IncompleteBody(IOException cause) {
    super(cause.toString(), cause);
  }
}
