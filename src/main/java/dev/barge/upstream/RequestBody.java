package dev.barge.upstream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Arrays;

/**
 * The {@code body} of a batch input line, as sent upstream: its bytes as written, cut out of the line
 * without building a tree, unless it names a {@code service_tier}, which has no meaning inside a batch
 * and is taken out. Every request passes through here.
 */
public final class RequestBody {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RequestBody() {}

  public static byte[] of(byte[] line) throws IOException {
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("the line is not a JSON object");
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (!name.equals("body")) {
          p.skipChildren();
        } else if (value != JsonToken.START_OBJECT) {
          throw new IOException("the line's body is not a JSON object");
        } else {
          int start = (int) p.currentTokenLocation().getByteOffset();
          boolean namesServiceTier = false;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            namesServiceTier |= p.currentName().equals("service_tier");
            p.nextToken();
            p.skipChildren();
          }
          int end = (int) p.currentLocation().getByteOffset();
          return namesServiceTier ? withoutServiceTier(line) : Arrays.copyOfRange(line, start, end);
        }
      }
      throw new IOException("the line has no body");
    }
  }

  private static byte[] withoutServiceTier(byte[] line) throws IOException {
    ObjectNode body = (ObjectNode) JSON.readTree(line).get("body");
    body.remove("service_tier");
    return JSON.writeValueAsBytes(body);
  }
}
