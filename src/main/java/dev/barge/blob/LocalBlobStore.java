package dev.barge.blob;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/** Blobs as files in one directory; writes go to {@code tmp/} and are moved into place on commit. */
public final class LocalBlobStore implements BlobStore {
  private final Path root;
  private final Path tmp;

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
    try (FileChannel ch = FileChannel.open(path(key), StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(length);
      while (buf.hasRemaining()) {
        if (ch.read(buf, offset + buf.position()) < 0) {
          throw new IOException("blob " + key + " ends before byte " + (offset + length));
        }
      }
      return buf.array();
    }
  }

  @Override
  public long size(String key) throws IOException {
    return Files.size(path(key));
  }

  @Override
  public void delete(String key) throws IOException {
    try {
      Files.deleteIfExists(path(key));
    } catch (NoSuchFileException ignored) {
      // already gone
    }
  }

  private Path path(String key) {
    if (!key.matches("[0-9a-f-]{36}")) throw new IllegalArgumentException("not a blob key: " + key);
    return root.resolve(key);
  }
}
