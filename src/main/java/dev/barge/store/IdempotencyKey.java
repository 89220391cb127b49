package dev.barge.store;

/**
 * The {@code Idempotency-Key} of a create request, with what identifies the request: its route and a SHA-256
 * of its content. Claimed in the transaction that creates the object, in that object's project.
 */
public record IdempotencyKey(String key, String route, String fingerprint) {}
