package dev.barge.e2e;

import dev.barge.blob.BlobStore;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The engine's blob store with faults a test turns on and off: opens held until released (a slow input file),
 * writes whose bytes hold a marker failing or hanging (a full or stuck disk under one batch's result files),
 * and a free space of the test's choosing.
 */
final class FaultyBlobs implements BlobStore {
  private final BlobStore disk;
  private final AtomicInteger opens = new AtomicInteger();
  private final AtomicInteger failedWrites = new AtomicInteger();
  private final AtomicInteger hungWrites = new AtomicInteger();
  private final AtomicInteger spaceChecks = new AtomicInteger();
  private final AtomicInteger creates = new AtomicInteger();
  private volatile int holdOpens;
  private volatile CountDownLatch release = new CountDownLatch(0);
  private volatile String failMarker;
  private volatile String hangMarker;
  private volatile long space = -1;

  FaultyBlobs(BlobStore disk) {
    this.disk = disk;
  }

  /** From now on, opens are counted, and the next {@code count} of them wait until {@link #release()}. */
  void holdOpens(int count) {
    opens.set(0);
    release = new CountDownLatch(1);
    holdOpens = count;
  }

  /** Lets every held open and hung write go on. */
  void release() {
    release.countDown();
  }

  /** Opens since {@link #holdOpens}, held or not. */
  int opens() {
    return opens.get();
  }

  /** Writes of bytes holding {@code marker} fail as on a full disk (null: no more). */
  void failWritesOf(String marker) {
    failMarker = marker;
  }

  /** Writes of bytes holding {@code marker} wait until {@link #release()}. */
  void hangWritesOf(String marker) {
    release = new CountDownLatch(1);
    hangMarker = marker;
  }

  int failedWrites() {
    return failedWrites.get();
  }

  int hungWrites() {
    return hungWrites.get();
  }

  /** The free space reported from now on, counting the checks and blobs started; -1 for the disk's own. */
  void space(long bytes) {
    spaceChecks.set(0);
    creates.set(0);
    space = bytes;
  }

  int spaceChecks() {
    return spaceChecks.get();
  }

  int creates() {
    return creates.get();
  }

  @Override
  public BlobWriter create() throws IOException {
    creates.incrementAndGet();
    BlobWriter writer = disk.create();
    OutputStream checked = new FilterOutputStream(writer.stream()) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (holds(failMarker, b, off, len)) {
          failedWrites.incrementAndGet();
          throw new IOException("No space left on device");
        }
        if (holds(hangMarker, b, off, len)) {
          hungWrites.incrementAndGet();
          await(release);
        }
        out.write(b, off, len);
      }
    };
    return new BlobWriter() {
      @Override
      public OutputStream stream() {
        return checked;
      }

      @Override
      public String commit() throws IOException {
        return writer.commit();
      }

      @Override
      public void close() throws IOException {
        writer.close();
      }
    };
  }

  private static boolean holds(String marker, byte[] b, int off, int len) {
    return marker != null && new String(b, off, len, StandardCharsets.UTF_8).contains(marker);
  }

  @Override
  public InputStream open(String key) throws IOException {
    if (opens.incrementAndGet() <= holdOpens) await(release);
    return disk.open(key);
  }

  private static void await(CountDownLatch latch) throws IOException {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  @Override
  public byte[] read(String key, long offset, int length) throws IOException {
    return disk.read(key, offset, length);
  }

  @Override
  public long size(String key) throws IOException {
    return disk.size(key);
  }

  @Override
  public void release(String key) {
    disk.release(key);
  }

  @Override
  public void delete(String key) throws IOException {
    disk.delete(key);
  }

  @Override
  public long usableSpace() throws IOException {
    spaceChecks.incrementAndGet();
    return space < 0 ? disk.usableSpace() : space;
  }

  @Override
  public void deleteAbandonedWrites(Supplier<Set<String>> running) throws IOException {
    disk.deleteAbandonedWrites(running);
  }

  @Override
  public void close() throws IOException {
    release();
    disk.close();
  }
}
