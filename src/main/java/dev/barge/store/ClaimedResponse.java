package dev.barge.store;

/** A background response leased to this node for one call; {@code attempts} counts this attempt too. */
public record ClaimedResponse(String id, String project, String model, String request, int attempts) {}
