package dev.barge.upstream;

import static dev.barge.upstream.GenerateContentOverChatTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Gemini generateContent over Anthropic Messages. */
class GenerateContentOverMessagesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MESSAGE = """
      {"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[
        {"type":"text","text":"Hello"},{"type":"text","text":" world"}],
       "stop_reason":"%s","stop_sequence":null,
       "usage":{"input_tokens":6,"output_tokens":3,"cache_read_input_tokens":%s,"cache_creation_input_tokens":2}}""";

  @Test
  void requestBecomesMessagesWithTheDefaultBound() throws Exception {
    JsonNode sent = sent("""
        {"model":"m","contents":[{"role":"user","parts":[{"text":"hi"}]},{"role":"model","parts":[{"text":"yo"}]}],
         "system_instruction":{"parts":[{"text":"be brief"}]},
         "generation_config":{"temperature":0.2,"top_k":5,"stop_sequences":["x"],"seed":3}}""");

    assertThat(sent).isEqualTo(JSON.readTree("""
        {"model":"m","max_tokens":1234,"system":"be brief","messages":[{"role":"user","content":"hi"},
          {"role":"assistant","content":"yo"}],"stop_sequences":["x"],"temperature":0.2,"top_k":5}"""));
    assertThat(sent("{\"model\":\"m\",\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],"
        + "\"generationConfig\":{\"maxOutputTokens\":50}}").get("max_tokens").asInt()).isEqualTo(50);
  }

  @Test
  void answerBecomesACandidateWithUsage() throws Exception {
    JsonNode answer = answer("end_turn", "4");

    assertThat(answer).isEqualTo(JSON.readTree("""
        {"candidates":[{"content":{"role":"model","parts":[{"text":"Hello world"}]},"finishReason":"STOP","index":0}],
         "usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":3,"totalTokenCount":15,
           "cachedContentTokenCount":4},
         "modelVersion":"m","responseId":"msg_1"}"""));
  }

  @Test
  void finishReasons() throws Exception {
    assertThat(answer("stop_sequence", "null").at("/candidates/0/finishReason").asText()).isEqualTo("STOP");
    assertThat(answer("max_tokens", "null").at("/candidates/0/finishReason").asText()).isEqualTo("MAX_TOKENS");
    assertThat(answer("refusal", "null").at("/candidates/0/finishReason").asText()).isEqualTo("SAFETY");
    assertThat(answer("tool_use", "null").at("/candidates/0/finishReason").asText()).isEqualTo("OTHER");
    assertThat(answer("end_turn", "null").path("usageMetadata").has("cachedContentTokenCount")).isFalse();
  }

  @Test
  void whatMessagesCannotDoIsRefused() throws Exception {
    for (String config : new String[] {"{\"responseMimeType\":\"application/json\"}", "{\"candidateCount\":2}"}) {
      Outcome outcome = GenerateContentOverMessages.send(bytes("{\"model\":\"m\",\"contents\":[{\"parts\":"
          + "[{\"text\":\"a\"}]}],\"generationConfig\":" + config + "}"), 1234, m -> {
            throw new AssertionError("sent");
          });
      assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class, r -> {
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("INVALID_ARGUMENT");
      });
    }
    Outcome image = GenerateContentOverMessages.send(bytes("{\"model\":\"m\",\"contents\":[{\"parts\":"
        + "[{\"fileData\":{\"fileUri\":\"gs://x\"}}]}]}"), 1234, m -> new Outcome.Success(200, "{}", null));
    assertThat(JSON.readTree(((Outcome.Rejected) image).body()).at("/error/message").asText()).contains("fileData");
  }

  @Test
  void anthropicErrorsSpeakGoogle() throws Exception {
    Outcome outcome = GenerateContentOverMessages.send(bytes("{\"model\":\"m\",\"contents\":[{\"parts\":"
        + "[{\"text\":\"a\"}]}]}"), 1234, m -> new Outcome.Retryable(529,
            "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}", "r", null));

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Retryable.class, r -> {
      assertThat(r.status()).isEqualTo(529);
      assertThat(r.body()).isEqualTo("{\"error\":{\"code\":529,\"message\":\"Overloaded\",\"status\":\"UNAVAILABLE\"}}");
    });
  }

  private static JsonNode answer(String stopReason, String cacheRead) throws Exception {
    Outcome outcome = GenerateContentOverMessages.send(bytes("{\"model\":\"m\",\"contents\":[{\"parts\":"
        + "[{\"text\":\"a\"}]}]}"), 1234, m -> new Outcome.Success(200, MESSAGE.formatted(stopReason, cacheRead), null));
    return JSON.readTree(((Outcome.Success) outcome).body());
  }

  private static JsonNode sent(String request) throws Exception {
    AtomicReference<byte[]> sent = new AtomicReference<>();
    GenerateContentOverMessages.send(bytes(request), 1234, m -> {
      sent.set(m);
      return new Outcome.Success(200, MESSAGE.formatted("end_turn", "0"), null);
    });
    return JSON.readTree(sent.get());
  }
}
