package dev.barge.store;

/**
 * A background response as stored: the request as it goes to the backend, where it stands, and once it
 * ended, the backend's Response object ({@code result}) or why there is none ({@code errorCode},
 * {@code errorMessage}). Times are Unix milliseconds; {@code startedAt} and {@code endedAt} null until then.
 */
public record ResponseRow(String id, String project, String model, String request, String status, long createdAt,
    Long startedAt, Long endedAt, String result, String errorCode, String errorMessage) {}
