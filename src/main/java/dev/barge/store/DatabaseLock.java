package dev.barge.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The lock file beside a SQLite database ({@code barge.db.lock}), held by the one process that uses the
 * database. A second {@code barge serve} or {@code run} on it would take the first one's leases for the
 * leftovers of a crash and send their requests again, and both would finalize the same batches. The
 * operating system drops the lock when its process ends, however it ends; the file stays, and holds the
 * holder's process id for the message that refuses the next one.
 */
public final class DatabaseLock implements AutoCloseable {
  private final Path file;
  private final FileChannel channel;

  private DatabaseLock(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
  }

  /** The lock file. */
  public Path file() {
    return file;
  }

  /** A second process (or engine) on a database that one already uses. */
  public static final class InUseException extends RuntimeException {
    InUseException(String message) {
      super(message);
    }
  }

  /** Takes the lock of the SQLite database {@code database}, or refuses naming its directory and holder. */
  public static DatabaseLock acquire(Path database) {
    Path file = database.toAbsolutePath().resolveSibling(database.getFileName() + ".lock");
    try {
      Files.createDirectories(file.getParent());
      FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException heldInThisProcess) {
        lock = null;
      }
      if (lock == null) {
        String holder = holder(channel);
        channel.close();
        throw new InUseException(file.getParent() + " is in use by another Barge process" + holder
            + "; one SQLite database serves one process: stop that one, or give this one a data directory of its own");
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
      return new DatabaseLock(file, channel);
    } catch (IOException e) {
      throw new StoreException("cannot lock " + file + ": " + e.getMessage(), e);
    }
  }

  /** " (pid N)" as the holder wrote it, or nothing when it has not written it yet. */
  private static String holder(FileChannel channel) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(64);
    channel.read(buf, 0);
    String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
    return text.matches("pid \\d+") ? " (" + text + ")" : "";
  }

  /** Releases the lock (closing the channel does). */
  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // the lock goes with the channel, or with the process at the latest
    }
  }
}
