package dev.barge.upstream.simulator;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The output and error files of one job, written a line at a time. To shuffle, each line goes into one of
 * several bucket files, joined one after another at the end: another order than the input's, in constant
 * memory.
 */
final class ResultFiles implements Closeable {
  /** The two files written; null where no line went. */
  record Written(Path output, long outputLines, Path errors, long errorLines) {}

  /** Leaves the bucket open and unflushed after each line: many lines go into each buffer. */
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false)
      .configure(SerializationFeature.FLUSH_AFTER_WRITE_VALUE, false);

  private final Part output;
  private final Part errors;

  ResultFiles(Path dir, String name, int buckets) {
    this.output = new Part(dir, name + "_output", buckets);
    this.errors = new Part(dir, name + "_error", buckets);
  }

  void output(int bucket, JsonNode line) throws IOException {
    output.write(bucket, line);
  }

  void error(int bucket, JsonNode line) throws IOException {
    errors.write(bucket, line);
  }

  Written finish() throws IOException {
    return new Written(output.finish(), output.lines, errors.finish(), errors.lines);
  }

  @Override
  public void close() throws IOException {
    output.close();
    errors.close();
  }

  private static final class Part implements Closeable {
    private final Path dir;
    private final String name;
    private final Path[] paths;
    private final OutputStream[] streams;
    private long lines;

    Part(Path dir, String name, int buckets) {
      this.dir = dir;
      this.name = name;
      this.paths = new Path[buckets];
      this.streams = new OutputStream[buckets];
    }

    void write(int bucket, JsonNode line) throws IOException {
      if (streams[bucket] == null) {
        paths[bucket] = Files.createTempFile(dir, name, ".part");
        streams[bucket] = new BufferedOutputStream(Files.newOutputStream(paths[bucket]), 1 << 16);
      }
      JSON.writeValue(streams[bucket], line);
      streams[bucket].write('\n');
      lines++;
    }

    /** Joins the buckets into one file; null when no line was written. */
    Path finish() throws IOException {
      if (lines == 0) return null;
      Path file = Files.createTempFile(dir, name, ".jsonl");
      try (OutputStream out = Files.newOutputStream(file)) {
        for (int b = 0; b < paths.length; b++) {
          if (streams[b] == null) continue;
          streams[b].close();
          streams[b] = null;
          Files.copy(paths[b], out);
          Files.delete(paths[b]);
        }
      }
      return file;
    }

    @Override
    public void close() throws IOException {
      for (int b = 0; b < paths.length; b++) {
        if (streams[b] != null) streams[b].close();
        if (paths[b] != null) Files.deleteIfExists(paths[b]);
      }
    }
  }
}
