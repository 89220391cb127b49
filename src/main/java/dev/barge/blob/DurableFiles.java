package dev.barge.blob;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.stream.Stream;

/**
 * Puts a finished file in place so that a power loss right after cannot undo it: the file's bytes reach
 * the disk before the rename (else the new name may point at an empty file), and the directory after it
 * (else the rename itself may be forgotten and the file vanish, though its writer was told it was saved).
 */
public final class DurableFiles {
  private DurableFiles() {}

  /** Moves {@code from} to {@code to} atomically, with {@code options} (e.g. to replace a file), and durably. */
  public static void move(Path from, Path to, CopyOption... options) throws IOException {
    force(from);
    CopyOption[] atomic = Stream.concat(Arrays.stream(options), Stream.of(StandardCopyOption.ATOMIC_MOVE))
        .toArray(CopyOption[]::new);
    Files.move(from, to, atomic);
    force(to.toAbsolutePath().getParent());
  }

  /** Flushes a file, or a directory's entries, to the disk (read access is enough, so read-only files work). */
  static void force(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
