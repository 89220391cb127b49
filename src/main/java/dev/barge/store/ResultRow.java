package dev.barge.store;

import dev.barge.batch.model.RequestState;
/** A settled request as the output and error files need it. */
public record ResultRow(int line, String customId, RequestState state, Integer statusCode, String requestId,
    String response, String errorCode, String errorMessage) {}
