package dev.barge.upstream.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the job routes of both APIs do alike: answer JSON, stream a file, read a list's limit. */
final class JobRoutes {
  static final ObjectMapper JSON = new ObjectMapper();

  private JobRoutes() {}

  static void json(Context ctx, int status, JsonNode body) throws IOException {
    ctx.status(status).contentType("application/json").result(JSON.writeValueAsBytes(body));
  }

  /** Streams {@code file} as the body, never reading it into memory. */
  static void stream(Context ctx, Path file, String contentType) throws IOException {
    HttpServletResponse response = ctx.res();
    response.setStatus(200);
    response.setContentType(contentType);
    response.setContentLengthLong(Files.size(file));
    Files.copy(file, response.getOutputStream());
  }

  /** The {@code limit} query parameter within 1 to {@code max}, else null. */
  static Integer limit(Context ctx, int defaultLimit, int max) {
    String text = ctx.queryParam("limit");
    if (text == null) return defaultLimit;
    try {
      int limit = Integer.parseInt(text.trim());
      return limit >= 1 && limit <= max ? limit : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Counts the requests of a JSONL file: its lines that are not blank. */
  static long countLines(Path file) throws IOException {
    try (var lines = Files.lines(file)) {
      return lines.filter(line -> !line.isBlank()).count();
    }
  }
}
