package dev.barge.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** Why a batch input was refused: one entry of the batch's {@code errors}. {@code line} is null for file-level errors. */
public record LineError(String code, String message, String param, Integer line) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static LineError at(int line, String code, String param, String message) {
    return new LineError(code, message, param, line);
  }

  static LineError ofFile(String code, String message) {
    return new LineError(code, message, null, null);
  }

  /** The batch's {@code errors} object: a list of {@code {code, message, param, line}}, as JSON text. */
  public static String listJson(List<LineError> errors) {
    ObjectNode list = JSON.createObjectNode().put("object", "list");
    ArrayNode data = list.putArray("data");
    for (LineError e : errors) {
      ObjectNode item = data.addObject().put("code", e.code()).put("message", e.message());
      if (e.param() == null) item.putNull("param");
      else item.put("param", e.param());
      if (e.line() == null) item.putNull("line");
      else item.put("line", e.line());
    }
    return list.toString();
  }
}
