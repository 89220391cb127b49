package dev.barge.batch.model;

import dev.barge.cost.Spend;
import dev.barge.cost.Usage;
import java.util.List;
import java.util.Map;

/**
 * Batches for tests: a test names only what it is about, the rest is a plain chat batch just created
 * ({@code validating}, nothing counted, a day to run).
 */
public final class BatchRecords {
  private static final long DAY_MS = 86_400_000;

  private BatchRecords() {}

  public static Builder builder() {
    return new Builder();
  }

  /** Sets what a test names; {@link #build()} fills in the rest. */
  public static final class Builder {
    private String id = "batch_t";
    private String project = "p";
    private String model;
    private String inputFileId = "file-x";
    private BatchStatus status = BatchStatus.VALIDATING;
    private long createdAt;
    private Long expiresAt;
    private int total;
    private int completed;
    private int failed;
    private int priority = 1;
    private Spend spend;

    private Builder() {}

    public Builder id(String value) {
      id = value;
      return this;
    }

    public Builder project(String value) {
      project = value;
      return this;
    }

    public Builder model(String value) {
      model = value;
      return this;
    }

    public Builder inputFileId(String value) {
      inputFileId = value;
      return this;
    }

    public Builder status(BatchStatus value) {
      status = value;
      return this;
    }

    public Builder createdAt(long value) {
      createdAt = value;
      return this;
    }

    /** By default a day after its creation. */
    public Builder expiresAt(long value) {
      expiresAt = value;
      return this;
    }

    public Builder total(int value) {
      total = value;
      return this;
    }

    public Builder completed(int value) {
      completed = value;
      return this;
    }

    public Builder failed(int value) {
      failed = value;
      return this;
    }

    /** What the batch cost so far, its budget and a stop recorded against it. */
    public Builder spend(Spend value) {
      spend = value;
      return this;
    }

    public Builder priority(int value) {
      priority = value;
      return this;
    }

    public BatchRecord build() {
      return new BatchRecord(id, project, "/v1/chat/completions", model, inputFileId, "24h", status, createdAt,
          expiresAt == null ? createdAt + DAY_MS : expiresAt, Map.of(), total, completed, failed, null, null, null, null,
          null, Usage.ZERO, priority, List.of(), spend, null, 0, null, null, null, 0);
    }
  }
}
