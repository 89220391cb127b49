package dev.barge.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.batch.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.util.HexFormat;
import java.util.Optional;

/**
 * What {@code barge run} keeps beside its input so the same command started again resumes: the engine's
 * data directory, and {@code run.json} naming the batch and the input it was made from (by content
 * hash, so an edited input starts over instead of resuming someone else's results), and the hash of the
 * output file it wrote (null before), so results changed since (merged by {@code retry}) are not
 * overwritten.
 */
record RunState(String batchId, String inputSha256, String outputSha256) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FILE = "run.json";

  /** {@code .barge-run/<input file name>/} in the input's directory. */
  static Path directoryFor(Path input) {
    Path absolute = input.toAbsolutePath();
    return absolute.resolveSibling(".barge-run").resolve(absolute.getFileName().toString());
  }

  static Optional<RunState> load(Path directory) {
    Path file = directory.resolve(FILE);
    if (!Files.isRegularFile(file)) return Optional.empty();
    try {
      RunState state = JSON.readValue(file.toFile(), RunState.class);
      return state.batchId() == null || state.inputSha256() == null ? Optional.empty() : Optional.of(state);
    } catch (IOException e) {
      return Optional.empty(); // a half-written or foreign state: start over
    }
  }

  void save(Path directory) {
    try {
      Path tmp = directory.resolve(FILE + ".tmp");
      JSON.writeValue(tmp.toFile(), this);
      Files.move(tmp, directory.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + directory.resolve(FILE), e);
    }
  }

  RunState delivered(String newOutputSha256) {
    return new RunState(batchId, inputSha256, newOutputSha256);
  }

  static String sha256(Path file) {
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), Sha256.digest())) {
      byte[] buf = new byte[1 << 16];
      while (in.read(buf) >= 0) {
        // the digest sees every byte as it is read
      }
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
