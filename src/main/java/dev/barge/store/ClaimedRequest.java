package dev.barge.store;

/** A request leased to this node; {@code attempts} counts this attempt too. */
public record ClaimedRequest(String batchId, int line, String customId, long offset, int length, int attempts) {}
