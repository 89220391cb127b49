package dev.barge.upstream;

import java.util.List;

/**
 * A model backend that answers OpenAI-format requests.
 *
 * <p>{@link #send} blocks the calling (virtual) thread until the attempt has an {@link Outcome}; it never
 * throws for a failed call: transport problems come back as {@link Outcome.TransportFailure}. The caller
 * bounds concurrency to {@link #maxConcurrency()}. Implementations are thread-safe.
 */
public interface Backend extends AutoCloseable {
  String name();

  /** The model names this backend serves, exactly as they appear in request bodies. */
  List<String> models();

  /** How many calls may be in flight at once. */
  int maxConcurrency();

  /** Sends one request body (JSON) to {@code endpoint} and returns how it ended. */
  Outcome send(Endpoint endpoint, byte[] body);

  @Override
  default void close() {}
}
