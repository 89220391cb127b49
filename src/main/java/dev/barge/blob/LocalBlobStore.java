package dev.barge.blob;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** Blobs as files in one directory; writes go to {@code tmp/} and are moved into place on commit. */
public final class LocalBlobStore implements BlobStore {
  private static final Pattern KEY = Pattern.compile("[0-9a-f-]{36}");

  private final Path root;
  private final Path tmp;
  // Requests read their lines from a few input files many times each: keep those files open.
  // Positional reads on a FileChannel are safe from many threads at once.
  private final Map<String, FileChannel> readers = new ConcurrentHashMap<>();

  public LocalBlobStore(Path root) throws IOException {
    this.root = root;
    this.tmp = root.resolve("tmp");
    Files.createDirectories(tmp);
    // Leftovers of uploads that were interrupted by a crash are never visible; clear them.
    try (var stale = Files.list(tmp)) {
      for (Path p : (Iterable<Path>) stale::iterator) Files.deleteIfExists(p);
    }
  }

  @Override
  public BlobWriter create() throws IOException {
    String key = UUID.randomUUID().toString();
    Path partial = tmp.resolve(key);
    OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial, StandardOpenOption.CREATE_NEW), 1 << 16);
    return new BlobWriter() {
      private boolean committed;

      @Override
      public OutputStream stream() {
        return out;
      }

      @Override
      public String commit() throws IOException {
        out.close();
        try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE)) {
          ch.force(true); // durable before it is acknowledged
        }
        Files.move(partial, path(key), StandardCopyOption.ATOMIC_MOVE);
        committed = true;
        return key;
      }

      @Override
      public void close() throws IOException {
        if (!committed) {
          out.close();
          Files.deleteIfExists(partial);
        }
      }
    };
  }

  @Override
  public InputStream open(String key) throws IOException {
    return Files.newInputStream(path(key));
  }

  @Override
  public byte[] read(String key, long offset, int length) throws IOException {
    FileChannel ch = reader(key);
    ByteBuffer buf = ByteBuffer.allocate(length);
    while (buf.hasRemaining()) {
      if (ch.read(buf, offset + buf.position()) < 0) {
        throw new IOException("blob " + key + " ends before byte " + (offset + length));
      }
    }
    return buf.array();
  }

  private FileChannel reader(String key) throws IOException {
    try {
      return readers.computeIfAbsent(key, k -> {
        try {
          return FileChannel.open(path(k), StandardOpenOption.READ);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  @Override
  public long size(String key) throws IOException {
    return Files.size(path(key));
  }

  @Override
  public void release(String key) {
    FileChannel open = readers.remove(key);
    if (open == null) return;
    try {
      open.close();
    } catch (IOException ignored) {
      // a read-only handle: nothing was buffered that closing could lose
    }
  }

  @Override
  public void delete(String key) throws IOException {
    release(key);
    Files.deleteIfExists(path(key));
  }

  @Override
  public long usableSpace() throws IOException {
    return Files.getFileStore(root).getUsableSpace();
  }

  @Override
  public void close() throws IOException {
    for (FileChannel ch : readers.values()) ch.close();
    readers.clear();
  }

  private Path path(String key) {
    if (!KEY.matcher(key).matches()) throw new IllegalArgumentException("not a blob key: " + key);
    return root.resolve(key);
  }
}
