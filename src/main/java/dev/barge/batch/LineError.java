package dev.barge.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** Why a batch input was refused: one entry of the batch's {@code errors}. {@code line} is null for file-level errors. */
public record LineError(String code, String message, String param, Integer line) {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A batch's errors are stored and read back whole with it: at most this many are kept ... */
  static final int MAX_LISTED = 10_000;
  /** ... and only while their messages add up to at most this many characters. */
  static final int MAX_LISTED_CHARS = 1024 * 1024;

  /** Stands for stored errors that cannot be read back. */
  public static final LineError UNREADABLE = ofFile("errors_unreadable",
      "This batch failed, but its stored errors cannot be read back.");

  static LineError at(int line, String code, String param, String message) {
    return new LineError(code, message, param, line);
  }

  static LineError ofFile(String code, String message) {
    return new LineError(code, message, null, null);
  }

  /**
   * The batch's {@code errors} object: a list of {@code {code, message, param, line}}, the first of
   * {@code errors} up to {@link #MAX_LISTED} and {@link #MAX_LISTED_CHARS}.
   */
  public static ObjectNode list(List<LineError> errors) {
    ObjectNode list = JSON.createObjectNode().put("object", "list");
    ArrayNode data = list.putArray("data");
    long chars = 0;
    for (LineError e : errors) {
      chars += e.message().length() + (e.param() == null ? 0 : e.param().length());
      if (!data.isEmpty() && (data.size() == MAX_LISTED || chars > MAX_LISTED_CHARS)) break;
      ObjectNode item = data.addObject().put("code", e.code()).put("message", e.message());
      if (e.param() == null) item.putNull("param");
      else item.put("param", e.param());
      if (e.line() == null) item.putNull("line");
      else item.put("line", e.line());
    }
    return list;
  }

  /** The same as JSON text, as stored. */
  public static String listJson(List<LineError> errors) {
    return list(errors).toString();
  }
}
