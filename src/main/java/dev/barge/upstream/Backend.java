package dev.barge.upstream;

import dev.barge.config.BackendConfig;
import java.util.List;

/**
 * A model backend that answers OpenAI-format requests.
 *
 * <p>{@link #send} blocks the calling (virtual) thread until the attempt has an {@link Outcome}; it never
 * throws for a failed call: transport problems come back as {@link Outcome.TransportFailure}. The caller
 * bounds concurrency to {@link #maxConcurrency()}. Implementations are thread-safe.
 */
public interface Backend extends AutoCloseable {
  /** The configuration entry this backend was built from. */
  BackendConfig config();

  /** Calls in flight when {@code limits.max_concurrency} is not configured. */
  int defaultConcurrency();

  /** Sends one request body (JSON) of a batch to {@code endpoint} and returns how it ended. */
  Outcome send(Endpoint endpoint, byte[] body);

  /**
   * The same for a synchronous request. It differs only where the backend writes the answer itself,
   * such as the {@code usage.service_tier} of a translated Messages answer: {@code "standard"}, not
   * {@code "batch"}.
   */
  default Outcome sendNow(Endpoint endpoint, byte[] body) {
    return send(endpoint, body);
  }

  /**
   * Sends a synchronous request whose answer is streamed ({@code "stream": true}) and relays its events to
   * {@code listener} as they arrive, in the format of {@code endpoint}. Blocks until the stream ends.
   */
  default StreamedCall stream(Endpoint endpoint, byte[] body, StreamListener listener) {
    return StreamedCall.answered(new Outcome.Rejected(400, ErrorBodies.openAi("Backend '" + name() + "' does not"
        + " stream answers; send the request without \"stream\": true.", "invalid_request_error",
        "stream_unsupported"), null));
  }

  /** Whether this backend answers requests of {@code endpoint} (as they are, or translated). */
  default boolean serves(Endpoint endpoint) {
    return true;
  }

  default String name() {
    return config().name();
  }

  /** The model names this backend serves, exactly as they appear in request bodies. */
  default List<String> models() {
    return config().models();
  }

  /** How many calls may be in flight at once. */
  default int maxConcurrency() {
    Integer limit = config().limits().maxConcurrency();
    return limit != null ? limit : defaultConcurrency();
  }

  @Override
  default void close() {}
}
