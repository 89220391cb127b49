package dev.barge.blob;

import dev.barge.config.S3Config;
import dev.barge.config.StorageConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Blobs as objects in an S3-compatible store ({@code storage.blobs: s3://BUCKET/PREFIX}), which every node
 * reaches alike: no shared disk. A blob is written as a multipart upload in parts of {@link #PART_BYTES}
 * (constant memory, whatever the file's size) and becomes visible only when the upload completes; a writer
 * closed without commit aborts its upload, and uploads a crash left open are aborted after a day.
 *
 * <p>Request lines are read by byte range. One ranged GET per line would cost a round trip each; a read
 * fetches a window of {@link #WINDOW_BYTES} from the line on instead, and the next lines (claimed in file
 * order) come from it. A few windows are kept per blob, for retries of earlier lines.
 */
public final class S3BlobStore implements BlobStore {
  private static final Logger log = LoggerFactory.getLogger(S3BlobStore.class);
  static final int PART_BYTES = 8 << 20;
  static final int WINDOW_BYTES = 1 << 20;
  private static final int WINDOWS_PER_BLOB = 4;
  private static final Duration ABANDONED_AFTER = Duration.ofDays(1);

  private final S3Client s3;
  private final String bucket;
  private final String prefix;
  private final Map<String, Windows> windows = new ConcurrentHashMap<>();

  S3BlobStore(S3Client s3, String bucket, String prefix) {
    this.s3 = s3;
    this.bucket = bucket;
    this.prefix = prefix;
  }

  /** The store {@code storage} names, through a client built from {@code storage.s3}. */
  public static S3BlobStore open(StorageConfig storage) {
    S3Config config = storage.s3();
    S3ClientBuilder builder = S3Client.builder().forcePathStyle(config.pathStyle())
        // Checksums only where S3 requires them: the newer default (a checksum trailer on every upload) is
        // refused by many S3-compatible stores, and each part's MD5-less upload is checked by its ETag anyway.
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (config.endpoint() != null) builder.endpointOverride(URI.create(config.endpoint()));
    if (config.region() != null) {
      builder.region(Region.of(config.region()));
    } else if (config.endpoint() != null) {
      builder.region(Region.US_EAST_1); // self-hosted stores rarely care; the signature needs one
    }
    if (config.accessKey() != null) {
      builder.credentialsProvider(StaticCredentialsProvider.create(
          AwsBasicCredentials.create(config.accessKey(), config.secretKey())));
    }
    return new S3BlobStore(builder.build(), storage.s3Bucket(), storage.s3Prefix());
  }

  /**
   * Aborts the multipart uploads under the prefix started more than a day ago: a node that crashed
   * mid-upload left them, invisible but billed. An upload does not say which node started it, so age
   * decides: a day is longer than any upload takes.
   */
  @Override
  public void deleteAbandonedWrites(Supplier<Set<String>> running) throws IOException {
    Instant before = Instant.now().minus(ABANDONED_AFTER);
    try {
      for (MultipartUpload upload : s3.listMultipartUploadsPaginator(r -> r.bucket(bucket).prefix(prefix)).uploads()) {
        if (upload.initiated().isBefore(before)) {
          s3.abortMultipartUpload(r -> r.bucket(bucket).key(upload.key()).uploadId(upload.uploadId()));
          log.info("aborted an upload a stopped node left unfinished: {}", upload.key());
        }
      }
    } catch (SdkException e) {
      throw new IOException("listing unfinished uploads in s3://" + bucket + "/" + prefix + ": " + e.getMessage(), e);
    }
  }

  @Override
  public BlobWriter create() {
    return new Upload(UUID.randomUUID().toString());
  }

  @Override
  public InputStream open(String key) throws IOException {
    try {
      return s3.getObject(r -> r.bucket(bucket).key(prefix + key));
    } catch (SdkException e) {
      throw failure("reading", key, e);
    }
  }

  @Override
  public byte[] read(String key, long offset, int length) throws IOException {
    return windows.computeIfAbsent(key, k -> new Windows()).read(key, offset, length);
  }

  @Override
  public long size(String key) throws IOException {
    try {
      return s3.headObject(r -> r.bucket(bucket).key(prefix + key)).contentLength();
    } catch (SdkException e) {
      throw failure("reading the size of", key, e);
    }
  }

  @Override
  public void release(String key) {
    windows.remove(key);
  }

  @Override
  public void delete(String key) throws IOException {
    release(key);
    try {
      s3.deleteObject(r -> r.bucket(bucket).key(prefix + key));
    } catch (SdkException e) {
      throw failure("deleting", key, e);
    }
  }

  /** Object storage has no free space to run out of that Barge could see. */
  @Override
  public long usableSpace() {
    return Long.MAX_VALUE;
  }

  @Override
  public void close() {
    windows.clear();
    s3.close();
  }

  private IOException failure(String doing, String key, SdkException e) {
    if (e instanceof NoSuchKeyException) return new java.io.FileNotFoundException("blob " + key + " is gone");
    return new IOException(doing + " s3://" + bucket + "/" + prefix + key + ": " + e.getMessage(), e);
  }

  /** The windows of one blob read lately, most recent last; one fetch at a time per blob. */
  private final class Windows {
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<Long, byte[]> byStart = new LinkedHashMap<>(8, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
        return size() > WINDOWS_PER_BLOB;
      }
    };

    byte[] read(String key, long offset, int length) throws IOException {
      lock.lock();
      try {
        for (Map.Entry<Long, byte[]> w : byStart.entrySet()) {
          long start = w.getKey();
          if (offset >= start && offset + length <= start + w.getValue().length) {
            int from = (int) (offset - start);
            return Arrays.copyOfRange(w.getValue(), from, from + length);
          }
        }
        byte[] window = fetch(key, offset, Math.max(length, WINDOW_BYTES));
        if (window.length < length) {
          throw new IOException("blob " + key + " ends before byte " + (offset + length));
        }
        byStart.put(offset, window);
        return window.length == length ? window : Arrays.copyOf(window, length);
      } finally {
        lock.unlock();
      }
    }

    /** Up to {@code length} bytes from {@code offset}: fewer at the blob's end. */
    private byte[] fetch(String key, long offset, int length) throws IOException {
      try {
        return s3.getObjectAsBytes(r -> r.bucket(bucket).key(prefix + key)
            .range("bytes=" + offset + "-" + (offset + length - 1))).asByteArray();
      } catch (SdkException e) {
        throw failure("reading", key, e);
      }
    }
  }

  /** A blob being written: parts of {@link #PART_BYTES} go up as they fill; nothing is visible until commit. */
  private final class Upload implements BlobWriter {
    private final String key;
    private final Part part = new Part();
    private final List<CompletedPart> done = new ArrayList<>();
    private final OutputStream stream = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        part.write(b);
        if (part.size() >= PART_BYTES) sendPart();
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
          int n = Math.min(len, PART_BYTES - part.size());
          part.write(b, off, n);
          off += n;
          len -= n;
          if (part.size() >= PART_BYTES) sendPart();
        }
      }
    };
    private String uploadId;
    private boolean ended;

    Upload(String key) {
      this.key = key;
    }

    @Override
    public OutputStream stream() {
      return stream;
    }

    private void sendPart() throws IOException {
      try {
        if (uploadId == null) {
          uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(prefix + key)).uploadId();
        }
        int number = done.size() + 1;
        String etag = s3.uploadPart(r -> r.bucket(bucket).key(prefix + key).uploadId(uploadId).partNumber(number),
            RequestBody.fromBytes(part.bytes())).eTag();
        done.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        part.reset();
      } catch (SdkException e) {
        throw failure("uploading", key, e);
      }
    }

    @Override
    public String commit() throws IOException {
      try {
        if (uploadId == null) {
          // Smaller than one part: one PUT, visible whole or not at all.
          s3.putObject(r -> r.bucket(bucket).key(prefix + key), RequestBody.fromBytes(part.bytes()));
        } else {
          if (part.size() > 0) sendPart();
          s3.completeMultipartUpload(r -> r.bucket(bucket).key(prefix + key).uploadId(uploadId)
              .multipartUpload(u -> u.parts(done)));
        }
        ended = true;
        return key;
      } catch (SdkException e) {
        throw failure("uploading", key, e);
      }
    }

    @Override
    public void close() {
      if (ended) return;
      ended = true;
      part.reset();
      if (uploadId == null) return;
      try {
        s3.abortMultipartUpload(r -> r.bucket(bucket).key(prefix + key).uploadId(uploadId));
      } catch (SdkException e) {
        log.warn("could not abort the unfinished upload of {} (aborted after a day instead): {}", key, e.getMessage());
      }
    }
  }

  /** The bytes of the part being filled, handed to the SDK without a copy. */
  private static final class Part extends ByteArrayOutputStream {
    Part() {
      super(1 << 16);
    }

    byte[] bytes() {
      return count == buf.length ? buf : Arrays.copyOf(buf, count);
    }
  }
}
