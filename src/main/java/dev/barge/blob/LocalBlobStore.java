package dev.barge.blob;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Blobs as files in one directory, which several nodes may share; each node writes into a directory of its
 * own under {@code tmp/} and moves a blob into place on commit.
 */
public final class LocalBlobStore implements BlobStore {
  private static final Pattern KEY = Pattern.compile("[0-9a-f-]{36}");
  /** Files directly in {@code tmp/} come from Barge before directories per node: a node not yet upgraded may be writing. */
  private static final Duration OLD_LAYOUT_GRACE = Duration.ofDays(1);

  private final Path root;
  private final Path tmpRoot;
  private final String writerId;
  private final Path tmp;
  // Requests read their lines from a few input files many times each: keep those files open.
  // Positional reads on a FileChannel are safe from many threads at once.
  private final Map<String, FileChannel> readers = new ConcurrentHashMap<>();

  /** Blobs under {@code root}, written by {@code writerId} (this node) in {@code tmp/<writerId>/}. */
  public LocalBlobStore(Path root, String writerId) throws IOException {
    this.root = root;
    this.tmpRoot = root.resolve("tmp");
    this.writerId = writerId;
    this.tmp = tmpRoot.resolve(writerId);
    Files.createDirectories(tmpRoot);
  }

  /**
   * Deletes what writers that stopped left half-written (a crash mid-upload; never visible as blobs):
   * the directories under {@code tmp/} of writers not in {@code running}. That is asked only after the
   * directories were listed, and a writer registers as running before its directory appears (it is made at
   * its first write), so a writer that started meanwhile is never taken for a stopped one.
   */
  @Override
  public void deleteAbandonedWrites(Supplier<Set<String>> running) throws IOException {
    List<Path> entries;
    try (Stream<Path> listed = Files.list(tmpRoot)) {
      entries = listed.toList();
    }
    Set<String> alive = running.get();
    Instant oldLayoutBefore = Instant.now().minus(OLD_LAYOUT_GRACE);
    for (Path entry : entries) {
      String name = entry.getFileName().toString();
      if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
        if (!name.equals(writerId) && !alive.contains(name)) deleteDirectory(entry);
      } else if (lastModified(entry).isBefore(oldLayoutBefore)) {
        Files.deleteIfExists(entry);
      }
    }
  }

  private static Instant lastModified(Path file) throws IOException {
    try {
      return Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant();
    } catch (NoSuchFileException gone) {
      return Instant.MAX;
    }
  }

  /** A writer's directory holds only its partial files. */
  private static void deleteDirectory(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) Files.deleteIfExists(f);
      Files.deleteIfExists(dir);
    } catch (NoSuchFileException | DirectoryNotEmptyException raced) {
      // another node cleaned it first, or its writer was not gone after all: its files stay
    }
  }

  @Override
  public BlobWriter create() throws IOException {
    String key = UUID.randomUUID().toString();
    Files.createDirectories(tmp); // again each time: another node may have taken this one for stopped
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
        DurableFiles.move(partial, path(key)); // durable before it is acknowledged
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
