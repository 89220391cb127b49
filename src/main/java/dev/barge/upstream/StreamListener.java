package dev.barge.upstream;

import java.io.IOException;

/**
 * Where a streamed answer goes as it arrives, already in the caller's format. An IOException from either
 * method means the caller has gone: the call upstream is dropped at once.
 */
public interface StreamListener {
  /** The backend has begun to stream its answer; {@code requestId} is its request id, or null. */
  void begin(String requestId) throws IOException;

  /** One event of the answer. */
  void event(SseEvent event) throws IOException;
}
