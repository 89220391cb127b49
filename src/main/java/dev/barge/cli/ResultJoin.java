package dev.barge.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.cost.PriceTable;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Joins a batch's output and error files back to its input, in input order: one {@link ResultRow} per
 * request line. The result files are indexed by custom_id (where each line starts), not held in memory,
 * so a large batch joins in little memory.
 */
final class ResultJoin {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where one result line is: which file, and its bytes. */
  private record Where(int file, long offset, int length) {}

  private ResultJoin() {}

  /** Summary of a join. */
  record Counts(int lines, int succeeded, int failed, int missing) {}

  static Counts join(Path input, List<Path> resultFiles, PriceTable prices, Consumer<ResultRow> sink) throws IOException {
    return join(input, resultFiles, prices, (line, row) -> sink.accept(row));
  }

  /** The same, handing each row over with its input line. */
  static Counts join(Path input, List<Path> resultFiles, PriceTable prices, BiConsumer<JsonNode, ResultRow> sink)
      throws IOException {
    Map<String, Where> index = new HashMap<>();
    for (int f = 0; f < resultFiles.size(); f++) index(resultFiles.get(f), f, index);
    List<RandomAccessFile> files = new ArrayList<>();
    int lines = 0;
    int succeeded = 0;
    int failed = 0;
    int missing = 0;
    try (BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
      for (Path p : resultFiles) files.add(new RandomAccessFile(p.toFile(), "r"));
      int number = 0;
      for (String line; (line = reader.readLine()) != null; ) {
        number++;
        if (line.isBlank()) continue;
        JsonNode request = parse(line);
        String customId = request.path("custom_id").isTextual() ? request.get("custom_id").textValue() : null;
        if (customId == null) continue; // not a request line: validation refused it
        lines++;
        Where where = index.get(customId);
        ResultRow row = where == null ? ResultRow.missing(number, customId)
            : ResultRow.of(number, customId, read(files.get(where.file()), where), prices);
        switch (row.status()) {
          case "succeeded" -> succeeded++;
          case "failed" -> failed++;
          default -> missing++;
        }
        sink.accept(request, row);
      }
    } finally {
      for (RandomAccessFile f : files) f.close();
    }
    return new Counts(lines, succeeded, failed, missing);
  }

  /** Notes where each custom_id's line starts in {@code file}. */
  private static void index(Path file, int number, Map<String, Where> index) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      byte[] chunk = new byte[1 << 16];
      long lineStart = 0;
      long position = 0;
      int lineNumber = 0;
      for (int n; (n = in.read(chunk)) >= 0; ) {
        int from = 0;
        for (int i = 0; i < n; i++) {
          if (chunk[i] != '\n') continue;
          line.write(chunk, from, i - from);
          add(line, lineStart, number, index, file, ++lineNumber);
          line.reset();
          lineStart = position + i + 1;
          from = i + 1;
        }
        line.write(chunk, from, n - from);
        position += n;
      }
      add(line, lineStart, number, index, file, ++lineNumber);
    }
  }

  /** Reads only as far as the line's custom_id (Barge writes it second, after the id). */
  private static void add(ByteArrayOutputStream line, long offset, int file, Map<String, Where> index, Path path,
      int lineNumber) throws IOException {
    if (line.size() == 0) return;
    try (JsonParser p = JSON.getFactory().createParser(line.toByteArray())) {
      if (p.nextToken() != JsonToken.START_OBJECT) return;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        p.nextToken();
        if ("custom_id".equals(key)) {
          // The output file is indexed first: a success there stands over a stale failure in an error file.
          if (p.currentToken() == JsonToken.VALUE_STRING) {
            index.putIfAbsent(p.getText(), new Where(file, offset, line.size()));
          }
          return;
        }
        p.skipChildren();
      }
    } catch (JsonProcessingException e) {
      throw Cli.badInput(path + " line " + lineNumber + ": not a result line (not JSON): " + e.getOriginalMessage());
    }
  }

  private static JsonNode read(RandomAccessFile file, Where where) throws IOException {
    byte[] bytes = new byte[where.length()];
    file.seek(where.offset());
    file.readFully(bytes);
    return JSON.readTree(bytes);
  }

  /** A line of the input as JSON; a line that is not JSON becomes an empty object (no custom_id). */
  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line.replace("\uFEFF", ""));
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }
}
