package dev.barge.batch;

import dev.barge.blob.BlobStore;
import dev.barge.store.BatchStore;
import dev.barge.store.FileRecord;
import dev.barge.store.FileStore;
import dev.barge.store.IdempotencyKey;
import dev.barge.store.IdempotencyStore;
import dev.barge.store.Page;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Files: uploaded batch inputs and the output/error files Barge writes. */
public final class FileService {
  public static final String PURPOSE_BATCH = "batch";
  /** The input Barge writes for an inline batch (Anthropic, Gemini): never shown or served by the Files APIs. */
  public static final String PURPOSE_MESSAGE_BATCH = "message_batch";
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
    if (!PURPOSE_MESSAGE_BATCH.equals(purpose)) checkFields(filename, purpose);
    try (Upload upload = receive(false)) {
      upload.writeAll(content);
      return upload.commit(project, filename, purpose, expiresAfterSeconds, null);
    } catch (IOException e) {
      throw new UncheckedIOException("reading upload " + filename, e);
    }
  }

  /**
   * Starts receiving an upload whose form fields may not have arrived yet: write the bytes as they come,
   * then {@link Upload#commit} once the fields are known, or close to discard. Nothing is visible before
   * the commit, so an upload cut off halfway leaves no file behind.
   *
   * @param hashed whether to take the SHA-256 of the bytes as they pass ({@link Upload#sha256}), for an
   *     idempotent upload's fingerprint; a file may be gigabytes, so never read twice for it
   */
  public Upload receive(boolean hashed) {
    try {
      return new Upload(blobs.create(), hashed ? Sha256.digest() : null);
    } catch (IOException e) {
      throw new UncheckedIOException("starting an upload", e);
    }
  }

  /** An upload being received: its bytes go straight to the blob store, checked against the size limit. */
  public final class Upload implements AutoCloseable {
    private final BlobStore.BlobWriter writer;
    private final OutputStream out;
    private final MessageDigest sha256;
    private long bytes;

    private Upload(BlobStore.BlobWriter writer, MessageDigest sha256) {
      this.writer = writer;
      this.out = writer.stream();
      this.sha256 = sha256;
    }

    /** Appends bytes of the file; a file growing past the limit is the caller's 400 on param {@code file}. */
    public void write(byte[] b, int off, int len) {
      bytes += len;
      if (bytes > maxFileBytes) throw tooLarge(maxFileBytes);
      if (sha256 != null) sha256.update(b, off, len);
      try {
        out.write(b, off, len);
      } catch (IOException e) { // our disk, not the caller's request: a 500
        throw new UncheckedIOException("storing an upload", e);
      }
    }

    /** Appends every byte of {@code in}, as {@link #write} does; returns how many there were. */
    public long writeAll(InputStream in) throws IOException {
      byte[] buf = new byte[1 << 16];
      long total = 0;
      for (int n; (n = in.read(buf)) >= 0; total += n) write(buf, 0, n);
      return total;
    }

    /** The SHA-256 of the bytes written so far; only for an upload received {@code hashed}. */
    public byte[] sha256() {
      if (sha256 == null) throw new IllegalStateException("this upload is not hashed");
      return sha256.digest();
    }

    /**
     * Checks the upload's fields and makes the file visible.
     *
     * @param expiresAfterSeconds from {@code expires_after[seconds]}, or null for the 30-day default
     * @param key the request's idempotency key, claimed with the file; null without one
     * @throws IdempotencyStore.KeyTaken when an earlier request took the key (the bytes are discarded)
     */
    public FileRecord commit(String project, String filename, String purpose, Long expiresAfterSeconds,
        IdempotencyKey key) {
      checkFields(filename, purpose);
      return store(project, filename, purpose, expiresAfterSeconds, key);
    }

    /**
     * Makes the file visible without the checks of an OpenAI upload: for files Barge writes itself, and
     * uploads through the Gemini Files API, whose names need not end in {@code .jsonl}.
     */
    public FileRecord store(String project, String filename, String purpose, Long expiresAfterSeconds) {
      return store(project, filename, purpose, expiresAfterSeconds, null);
    }

    private FileRecord store(String project, String filename, String purpose, Long expiresAfterSeconds,
        IdempotencyKey idempotencyKey) {
      String key;
      try {
        key = writer.commit();
      } catch (IOException e) {
        throw new UncheckedIOException("storing upload " + filename, e);
      }
      long now = clock.millis();
      long expiresAfterMs = expiresAfterSeconds != null ? expiresAfterSeconds * 1000 : DEFAULT_EXPIRY.toMillis();
      FileRecord file = new FileRecord(Ids.file(), project, purpose, filename, bytes, now, now + expiresAfterMs, key);
      try {
        files.insert(file, idempotencyKey);
      } catch (RuntimeException e) {
        deleteQuietly(key); // committed bytes without a file row would never be cleaned up
        throw e;
      }
      log.info("file {} stored: {} bytes for project {}", file.id(), bytes, project);
      return file;
    }

    /** Discards the bytes unless committed. */
    @Override
    public void close() {
      try {
        writer.close();
      } catch (IOException e) {
        log.warn("could not discard an unfinished upload: {}", e.toString());
      }
    }
  }

  private static void checkFields(String filename, String purpose) {
    if (!PURPOSE_BATCH.equals(purpose)) {
      throw new InvalidRequestException("purpose",
          "Barge accepts only purpose 'batch' for uploads, not '" + Excerpt.of(purpose) + "'.");
    }
    if (filename == null || !filename.endsWith(".jsonl")) {
      throw new InvalidRequestException(null, "Invalid file format for Batch API. Must be .jsonl");
    }
    if (filename.indexOf('\0') >= 0) {
      throw new InvalidRequestException("file", "The file name must not contain a NUL character (\\u0000).");
    }
  }

  /** The answer to a file over the limit, whether its size was announced or found while reading it. */
  public static InvalidRequestException tooLarge(long maxFileBytes) {
    return new InvalidRequestException("file", "The file is larger than this server's limit of " + maxFileBytes
        + " bytes.");
  }

  private void deleteQuietly(String key) {
    try {
      blobs.delete(key);
    } catch (IOException e) {
      log.warn("could not delete blob {}: {}", key, e.toString());
    }
  }

  public FileRecord get(String project, String id) {
    return files.find(project, id, clock.millis())
        .orElseThrow(() -> new NotFoundException("file_id", "No such File object: " + id));
  }

  /** A file of the caller's own, as the Files API shows them: not the inputs Barge writes for message batches. */
  public FileRecord getVisible(String project, String id) {
    FileRecord file = get(project, id);
    if (PURPOSE_MESSAGE_BATCH.equals(file.purpose())) throw new NotFoundException("file_id", "No such File object: " + id);
    return file;
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
