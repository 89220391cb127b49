package dev.barge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.config.BargeConfig;
import dev.barge.config.ConfigLoader;
import dev.barge.config.StorageConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/** What the CLI's commands need to know about a batch input file before the engine reads it. */
final class InputFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private InputFiles() {}

  /**
   * The configuration for an engine inside the CLI: its backends, prices and limits, but a database and
   * blobs of its own in {@code dataDir}, never a shared one (it would take other batches' work).
   */
  static BargeConfig localConfig(Path config, Path dataDir) {
    // Its batches are the user's own: no webhooks announce them.
    return new ConfigLoader(System.getenv()).load(config).withStorage(StorageConfig.privateTo(dataDir))
        .withWebhooks(List.of());
  }

  /** Fails unless {@code input} is a readable file. */
  static Path existing(Path input) {
    if (!Files.isRegularFile(input)) throw Cli.badInput(input + ": no such file");
    return input;
  }

  /** The endpoint given, or else the {@code url} of the input's first request line. */
  static String endpoint(Path input, String given) throws IOException {
    if (given != null) return given;
    String url = endpointOf(existing(input));
    if (url == null) throw Cli.badInput(input + ": no request line names a \"url\"; give the endpoint with --endpoint");
    return url;
  }

  /** The {@code url} of the first request line (the batch's endpoint), or null when it has none. */
  static String endpointOf(Path input) throws IOException {
    try (BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
      for (String line; (line = reader.readLine()) != null; ) {
        if (line.isBlank()) continue;
        try {
          JsonNode url = JSON.readTree(line.strip().replace("\uFEFF", "")).path("url");
          return url.isTextual() ? url.textValue() : null;
        } catch (IOException e) {
          return null; // not JSON: validation says so, line by line
        }
      }
    }
    return null;
  }

  /**
   * The result files of a batch beside each other: {@code output}, and its error file ({@code errors}
   * when given, else the {@code .errors.jsonl} beside the output, if there is one).
   */
  static List<Path> resultFiles(Path output, Path errors) {
    List<Path> files = new ArrayList<>(List.of(existing(output)));
    Path errorFile = errors != null ? existing(errors) : sibling(output, ".errors.jsonl");
    if (Files.isRegularFile(errorFile)) files.add(errorFile);
    return files;
  }

  /** Where a batch's output and error files go for {@code input}. */
  record ResultPaths(Path output, Path errors) {}

  /**
   * {@code output} (default {@code INPUT.output.jsonl}) and the {@code .errors.jsonl} beside it; fails
   * when either would overwrite the input.
   */
  static ResultPaths resultPaths(Path input, Path output) throws IOException {
    Path out = output != null ? output : sibling(input, ".output.jsonl");
    ResultPaths paths = new ResultPaths(out, sibling(out, ".errors.jsonl"));
    refuseOverwriting(paths.output(), input);
    refuseOverwriting(paths.errors(), input);
    return paths;
  }

  /** Fails when writing {@code target} would overwrite one of {@code sources}. */
  static void refuseOverwriting(Path target, Path... sources) throws IOException {
    for (Path source : sources) {
      if (source != null && Files.exists(target) && Files.exists(source) && Files.isSameFile(target, source)) {
        throw Cli.badInput(target + " is also an input of this command; write somewhere else");
      }
    }
  }

  /** Writes what {@code content} produces to {@code target} whole or not at all (a temporary file moved in place). */
  static void writeAtomically(Path target, TextWriter content) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    if (!Files.isDirectory(parent)) throw Cli.badInput(parent + ": no such directory");
    if (Files.isDirectory(target)) throw Cli.badInput(target + " is a directory");
    Path tmp = Files.createTempFile(parent, "." + target.getFileName(), ".tmp");
    try {
      try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        content.write(out);
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** What writes a file's text. */
  interface TextWriter {
    void write(Writer out) throws IOException;
  }

  /** {@code dir/name.jsonl} → {@code dir/name<suffix>} (a {@code .output.jsonl} name loses that part too). */
  static Path sibling(Path file, String suffix) {
    String name = file.getFileName().toString();
    String stem = name.endsWith(".output.jsonl") ? name.substring(0, name.length() - 13)
        : name.endsWith(".jsonl") ? name.substring(0, name.length() - 6) : name;
    return file.toAbsolutePath().resolveSibling(stem + suffix);
  }
}
