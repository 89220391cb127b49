package dev.barge.upstream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/** What a backend's answer body is, as far as the wire is concerned. */
final class JsonBodies {
  private static final JsonFactory JSON = new JsonFactory();

  private JsonBodies() {}

  /**
   * Whether {@code body} is exactly one complete JSON object, as every successful answer of the APIs Barge
   * speaks is. Streams over the tokens without building anything: every answer passes through here.
   */
  static boolean isOneObject(String body) {
    if (body == null || body.isEmpty()) return false;
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return false;
      p.skipChildren();
      return p.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }
}
