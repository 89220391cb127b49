package dev.barge.config;

import java.nio.file.Path;

/**
 * {@code storage:} the database holding files, batches and requests, and the directory holding file bytes.
 *
 * <p>{@code database} is {@code sqlite:PATH}.
 */
public record StorageConfig(String database, String blobs) {
  public StorageConfig {
    if (database == null || database.isBlank()) database = "sqlite:./barge-data/barge.db";
    if (blobs == null || blobs.isBlank()) blobs = "./barge-data/blobs";
    if (!database.startsWith("sqlite:")) {
      throw new IllegalArgumentException(
          "database: '" + database + "' is not supported; use sqlite:PATH (e.g. sqlite:./barge-data/barge.db)");
    }
  }

  public static StorageConfig defaults() {
    return new StorageConfig(null, null);
  }

  /** Storage rooted in one data directory, as {@code --data DIR} asks. */
  public static StorageConfig under(Path dataDir) {
    return new StorageConfig("sqlite:" + dataDir.resolve("barge.db"), dataDir.resolve("blobs").toString());
  }

  public Path sqlitePath() {
    return Path.of(database.substring("sqlite:".length()));
  }

  public Path blobDirectory() {
    return Path.of(blobs);
  }
}
