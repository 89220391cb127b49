package dev.barge.store;

/** A stored file. Times are Unix milliseconds. */
public record FileRecord(
    String id,
    String project,
    String purpose,
    String filename,
    long bytes,
    long createdAt,
    Long expiresAt,
    String blobKey) {}
