package dev.barge.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** Batch input lines for tests. */
final class Lines {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Lines() {}

  static List<String> chat(int count, String model) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < count; i++) out.add(chatLine("req-" + i, model, "Say something about the number " + i));
    return out;
  }

  static String chatLine(String customId, String model, String prompt) {
    ObjectNode line = JSON.createObjectNode().put("custom_id", customId).put("method", "POST")
        .put("url", "/v1/chat/completions");
    ObjectNode body = line.putObject("body").put("model", model);
    body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    return line.toString();
  }

  static String embeddingLine(String customId, String model, String input) {
    ObjectNode line = JSON.createObjectNode().put("custom_id", customId).put("method", "POST")
        .put("url", "/v1/embeddings");
    line.putObject("body").put("model", model).put("input", input);
    return line.toString();
  }
}
