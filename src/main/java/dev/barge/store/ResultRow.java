package dev.barge.store;

import dev.barge.batch.model.RequestState;
/**
 * A settled request as the output and error files need it; {@code cached} when its answer came from the
 * response cache, not from a call.
 */
public record ResultRow(int line, String customId, RequestState state, Integer statusCode, String requestId,
    String response, String errorCode, String errorMessage, boolean cached) {
  public ResultRow(int line, String customId, RequestState state, Integer statusCode, String requestId,
      String response, String errorCode, String errorMessage) {
    this(line, customId, state, statusCode, requestId, response, errorCode, errorMessage, false);
  }
}
