package dev.barge.upstream;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/**
 * The body of an Anthropic Message Batches create, {@code {"requests":[{"custom_id","params"}, …]}}.
 * Chat completions requests go in as Messages, as {@link AnthropicBackend} sends them in real time.
 */
final class AnthropicJobInput extends JobInputFile {
  /** {@code ]}}, which closes the list and the object. */
  private static final int END_BYTES = 2;

  private final long defaultMaxTokens;

  /** @param defaultMaxTokens the {@code max_tokens} of a chat completions request that sets none */
  AnthropicJobInput(long defaultMaxTokens) throws IOException {
    super(".json");
    this.defaultMaxTokens = defaultMaxTokens;
  }

  @Override
  void start(JsonGenerator json) throws IOException {
    json.writeStartObject();
    json.writeArrayFieldStart("requests");
  }

  @Override
  void writeRequest(JsonGenerator json, String customId, JsonNode body) throws IOException {
    json.writeStartObject();
    json.writeStringField("custom_id", customId);
    json.writeFieldName("params");
    json.writeTree(body);
    json.writeEndObject();
  }

  @Override
  void end(JsonGenerator json) throws IOException {
    json.writeEndArray();
    json.writeEndObject();
  }

  @Override
  int endBytes() {
    return END_BYTES;
  }

  @Override
  int separatorBytes() {
    return 1; // the comma between two items of the list
  }

  @Override
  JsonNode providerBody(Endpoint endpoint, byte[] body) throws Untranslatable, IOException {
    return endpoint == Endpoint.CHAT_COMPLETIONS ? ChatOverMessages.messagesRequest(body, defaultMaxTokens)
        : JSON.readTree(body);
  }

  @Override
  boolean serves(Endpoint endpoint) {
    return endpoint == Endpoint.MESSAGES || endpoint == Endpoint.CHAT_COMPLETIONS;
  }
}
