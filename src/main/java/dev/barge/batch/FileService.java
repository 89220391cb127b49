package dev.barge.batch;

import dev.barge.blob.BlobStore;
import dev.barge.store.BatchStore;
import dev.barge.store.FileRecord;
import dev.barge.store.FileStore;
import dev.barge.store.Page;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Files: uploaded batch inputs and the output/error files Barge writes. */
public final class FileService {
  public static final String PURPOSE_BATCH = "batch";
  public static final String PURPOSE_BATCH_OUTPUT = "batch_output";
  static final Duration DEFAULT_EXPIRY = Duration.ofDays(30);
  private static final Logger log = LoggerFactory.getLogger(FileService.class);

  private final FileStore files;
  private final BatchStore batches;
  private final BlobStore blobs;
  private final long maxFileBytes;
  private final Clock clock;

  public FileService(FileStore files, BatchStore batches, BlobStore blobs, long maxFileBytes, Clock clock) {
    this.files = files;
    this.batches = batches;
    this.blobs = blobs;
    this.maxFileBytes = maxFileBytes;
    this.clock = clock;
  }

  public long maxFileBytes() {
    return maxFileBytes;
  }

  /**
   * Stores an uploaded batch input. The bytes stream to the blob store; the file is visible only once
   * all of them are durably written.
   *
   * @param expiresAfterSeconds from {@code expires_after[seconds]}, or null for the 30-day default
   */
  public FileRecord upload(String project, String filename, String purpose, InputStream content,
      Long expiresAfterSeconds) {
    if (!PURPOSE_BATCH.equals(purpose)) {
      throw new InvalidRequestException("purpose",
          "Barge accepts only purpose 'batch' for uploads, not '" + purpose + "'.");
    }
    if (filename == null || !filename.endsWith(".jsonl")) {
      throw new InvalidRequestException(null, "Invalid file format for Batch API. Must be .jsonl");
    }
    try (BlobStore.BlobWriter writer = blobs.create()) {
      long bytes = copyLimited(content, writer.stream());
      String key = writer.commit();
      long now = clock.millis();
      long expiresAfterMs = expiresAfterSeconds != null ? expiresAfterSeconds * 1000 : DEFAULT_EXPIRY.toMillis();
      FileRecord file = new FileRecord(Ids.file(), project, purpose, filename, bytes, now, now + expiresAfterMs, key);
      files.insert(file);
      log.info("file {} stored: {} bytes for project {}", file.id(), bytes, project);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("storing upload " + filename, e);
    }
  }

  private long copyLimited(InputStream in, OutputStream out) throws IOException {
    byte[] buf = new byte[1 << 16];
    long total = 0;
    for (int n; (n = in.read(buf)) >= 0; ) {
      total += n;
      if (total > maxFileBytes) {
        throw new InvalidRequestException("file", "File is larger than the limit of " + maxFileBytes + " bytes.");
      }
      out.write(buf, 0, n);
    }
    return total;
  }

  public FileRecord get(String project, String id) {
    return files.find(project, id, clock.millis())
        .orElseThrow(() -> new NotFoundException("file_id", "No such File object: " + id));
  }

  public Page<FileRecord> list(String project, String purpose, String after, int limit, boolean ascending) {
    return files.list(project, purpose, after, limit, ascending, clock.millis());
  }

  public InputStream content(String project, String id) {
    FileRecord file = get(project, id);
    try {
      return blobs.open(file.blobKey());
    } catch (IOException e) {
      throw new UncheckedIOException("reading file " + id, e);
    }
  }

  public void delete(String project, String id) {
    FileRecord file = get(project, id);
    if (batches.inputOfActiveBatch(id)) {
      throw new InvalidRequestException("file_id",
          "File " + id + " is the input of a batch that has not ended; cancel the batch or wait for it to end.");
    }
    remove(file);
  }

  /** Deletes files past their expiry, except inputs of batches still running. */
  public int deleteExpired() {
    int removed = 0;
    for (FileRecord f : files.expired(clock.millis(), 100)) {
      remove(f);
      removed++;
    }
    return removed;
  }

  private void remove(FileRecord file) {
    if (files.delete(file.id())) {
      try {
        blobs.delete(file.blobKey());
      } catch (IOException e) {
        throw new UncheckedIOException("deleting the bytes of file " + file.id(), e);
      }
    }
  }
}
