package dev.barge.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.barge.config.StorageConfig;
import dev.barge.e2e.TestS3;
import java.io.FileNotFoundException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** File bytes in an S3-compatible store (s3proxy in this JVM): written in parts, visible only when committed. */
class S3BlobStoreTest {
  private static final String PREFIX = "unit/";
  private static TestS3 server;
  private static S3BlobStore blobs;

  @BeforeAll
  static void start() {
    server = TestS3.start();
    blobs = S3BlobStore.open(new StorageConfig(null, "s3://" + TestS3.BUCKET + "/unit", server.config()));
  }

  @AfterAll
  static void stop() throws Exception {
    blobs.close();
    server.close();
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void aBlobOfSeveralPartsReadsBackWholeAndByAnyRange() throws Exception {
    byte[] data = bytes(2 * S3BlobStore.PART_BYTES + 12_345, 1);
    String key;
    try (BlobStore.BlobWriter writer = blobs.create()) {
      OutputStream out = writer.stream();
      for (int i = 0; i < data.length; i += 100_000) out.write(data, i, Math.min(100_000, data.length - i));
      key = writer.commit();
    }
    assertThat(blobs.size(key)).isEqualTo(data.length);
    try (InputStream in = blobs.open(key)) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    // Ranges inside one window, across windows, at the very end, and longer than a window.
    for (long[] range : new long[][] {{0, 10}, {5, 300}, {S3BlobStore.WINDOW_BYTES - 3, 10}, {data.length - 7, 7},
        {123, 3 * S3BlobStore.WINDOW_BYTES}}) {
      int from = (int) range[0];
      int length = (int) range[1];
      assertThat(blobs.read(key, from, length)).as("bytes %d+%d", from, length)
          .isEqualTo(Arrays.copyOfRange(data, from, from + length));
    }
    assertThatThrownBy(() -> blobs.read(key, data.length - 2, 10)).hasMessageContaining("ends before");
    blobs.delete(key);
    assertThatThrownBy(() -> blobs.size(key)).isInstanceOf(FileNotFoundException.class);
  }

  @Test
  void aWriterClosedWithoutCommitLeavesNothingVisible() throws Exception {
    try (BlobStore.BlobWriter writer = blobs.create()) {
      writer.stream().write(bytes(S3BlobStore.PART_BYTES + 10, 2)); // one part uploaded, then given up
    }
    try (BlobStore.BlobWriter writer = blobs.create()) {
      writer.stream().write("small".getBytes(StandardCharsets.UTF_8)); // never uploaded at all
    }
    assertThat(server.keys(PREFIX)).isEmpty();
    String kept;
    try (BlobStore.BlobWriter writer = blobs.create()) {
      writer.stream().write("kept".getBytes(StandardCharsets.UTF_8));
      kept = writer.commit();
    }
    assertThat(server.keys(PREFIX)).containsExactly(PREFIX + kept);
    blobs.delete(kept);
  }
}
