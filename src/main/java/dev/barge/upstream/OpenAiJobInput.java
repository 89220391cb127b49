package dev.barge.upstream;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/**
 * An OpenAI batch input file: one line per request, {@code {"custom_id","method","url","body"}}. Messages
 * requests go in as chat completions, as {@link OpenAiCompatibleBackend} sends them in real time.
 */
final class OpenAiJobInput extends JobInputFile {
  private static final SerializedString LINE_BREAK = new SerializedString("\n");

  OpenAiJobInput() throws IOException {
    super(".jsonl");
  }

  /** The endpoint the lines are sent to, which the job names. */
  Endpoint providerEndpoint() {
    return endpoint() == Endpoint.MESSAGES ? Endpoint.CHAT_COMPLETIONS : endpoint();
  }

  @Override
  void start(JsonGenerator json) {
    json.setRootValueSeparator(LINE_BREAK);
  }

  @Override
  void writeRequest(JsonGenerator json, String customId, JsonNode body) throws IOException {
    json.writeStartObject();
    json.writeStringField("custom_id", customId);
    json.writeStringField("method", "POST");
    json.writeStringField("url", providerEndpoint().path());
    json.writeFieldName("body");
    json.writeTree(body);
    json.writeEndObject();
  }

  @Override
  void end(JsonGenerator json) {
    // JSONL needs no closing
  }

  @Override
  int endBytes() {
    return 0;
  }

  @Override
  int separatorBytes() {
    return LINE_BREAK.charLength();
  }

  @Override
  JsonNode providerBody(Endpoint endpoint, byte[] body) throws Untranslatable, IOException {
    return endpoint == Endpoint.MESSAGES ? MessagesOverChat.chatRequest(body) : JSON.readTree(body);
  }

  @Override
  boolean serves(Endpoint endpoint) {
    return true;
  }
}
