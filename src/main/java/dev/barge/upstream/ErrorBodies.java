package dev.barge.upstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Error bodies Barge writes in a backend's place, in the OpenAI envelope (all four keys always present). */
public final class ErrorBodies {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ErrorBodies() {}

  public static String openAi(String message, String type, String code) {
    ObjectNode e = JSON.createObjectNode();
    e.putObject("error").put("message", message).put("type", type).putNull("param").put("code", code);
    return e.toString();
  }
}
