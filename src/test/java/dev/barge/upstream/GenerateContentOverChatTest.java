package dev.barge.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Gemini generateContent over chat completions: the request one way, the answer and errors the other. */
class GenerateContentOverChatTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REQUEST = """
      {"model":"m","contents":[{"role":"user","parts":[{"text":"hi"},{"text":"there"}]},
        {"role":"model","parts":[{"text":"hello"}]},{"parts":[{"text":"again"}]}],
       "systemInstruction":{"parts":[{"text":"be brief"}]},
       "generationConfig":{"temperature":0,"topP":0.9,"maxOutputTokens":50,"stopSequences":["x"],"seed":1,
         "candidateCount":2,"responseMimeType":"application/json","thinkingConfig":{"thinkingBudget":0}},
       "safetySettings":[]}""";
  private static final String CHAT_ANSWER = """
      {"id":"chatcmpl-1","object":"chat.completion","model":"backend-name","choices":[
        {"index":0,"message":{"role":"assistant","content":"one"},"finish_reason":"stop"},
        {"index":1,"message":{"role":"assistant","content":"two"},"finish_reason":"length"},
        {"index":2,"message":{"role":"assistant","content":null},"finish_reason":"content_filter"},
        {"index":3,"message":{"role":"assistant","content":"t"},"finish_reason":"tool_calls"}],
       "usage":{"prompt_tokens":10,"completion_tokens":7,"total_tokens":17,
         "prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}}}""";

  @Test
  void requestBecomesAChatCompletion() throws Exception {
    JsonNode chat = sentChat(REQUEST);

    assertThat(chat).isEqualTo(JSON.readTree("""
        {"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi\\nthere"},
          {"role":"assistant","content":"hello"},{"role":"user","content":"again"}],
         "temperature":0,"top_p":0.9,"max_tokens":50,"stop":["x"],"seed":1,"n":2,
         "response_format":{"type":"json_object"}}"""));
  }

  @Test
  void snakeCaseFieldsAreReadToo() throws Exception {
    JsonNode chat = sentChat("""
        {"model":"m","contents":[{"role":"user","parts":[{"text":"hi"}]}],
         "system_instruction":{"parts":[{"text":"be brief"}]},
         "generation_config":{"top_p":0.5,"max_output_tokens":9,"stop_sequences":["y"],"candidate_count":1,
           "response_mime_type":"text/plain"}}""");

    assertThat(chat).isEqualTo(JSON.readTree("""
        {"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}],
         "top_p":0.5,"max_tokens":9,"stop":["y"],"n":1}"""));
  }

  @Test
  void answerBecomesAGenerateContentResponse() throws Exception {
    Outcome outcome = GenerateContentOverChat.send(bytes(REQUEST),
        chat -> new Outcome.Success(200, CHAT_ANSWER, "req_1"));

    assertThat(outcome).isInstanceOf(Outcome.Success.class);
    Outcome.Success success = (Outcome.Success) outcome;
    assertThat(success.requestId()).isEqualTo("req_1");
    assertThat(JSON.readTree(success.body())).isEqualTo(JSON.readTree("""
        {"candidates":[
          {"content":{"role":"model","parts":[{"text":"one"}]},"finishReason":"STOP","index":0},
          {"content":{"role":"model","parts":[{"text":"two"}]},"finishReason":"MAX_TOKENS","index":1},
          {"content":{"role":"model","parts":[{"text":""}]},"finishReason":"SAFETY","index":2},
          {"content":{"role":"model","parts":[{"text":"t"}]},"finishReason":"OTHER","index":3}],
         "usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5,"totalTokenCount":17,
           "cachedContentTokenCount":4,"thoughtsTokenCount":2},
         "modelVersion":"m","responseId":"chatcmpl-1"}"""));
  }

  @Test
  void noCachedCountWithoutCachedTokens() throws Exception {
    String plain = """
        {"id":"c","choices":[{"index":0,"message":{"content":"ok"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4,"prompt_tokens_details":{"cached_tokens":0}}}""";
    Outcome outcome = GenerateContentOverChat.send(bytes(REQUEST), chat -> new Outcome.Success(200, plain, null));

    JsonNode usage = JSON.readTree(((Outcome.Success) outcome).body()).get("usageMetadata");
    assertThat(usage).isEqualTo(JSON.readTree(
        "{\"promptTokenCount\":3,\"candidatesTokenCount\":1,\"totalTokenCount\":4}"));
  }

  @Test
  void nonTextPartIsRefusedWithGooglesEnvelopeAndNeverSent() throws Exception {
    AtomicReference<byte[]> sent = new AtomicReference<>();
    Outcome outcome = GenerateContentOverChat.send(bytes("""
        {"model":"m","contents":[{"role":"user","parts":[{"text":"look"},
          {"inline_data":{"mime_type":"image/png","data":"AAAA"}}]}]}"""), chat -> {
      sent.set(chat);
      return new Outcome.Success(200, "{}", null);
    });

    assertThat(sent.get()).isNull();
    assertThat(outcome).isInstanceOf(Outcome.Rejected.class);
    Outcome.Rejected rejected = (Outcome.Rejected) outcome;
    assertThat(rejected.status()).isEqualTo(400);
    JsonNode error = JSON.readTree(rejected.body()).get("error");
    assertThat(error.get("code").asInt()).isEqualTo(400);
    assertThat(error.get("status").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(error.get("message").asText()).contains("contents[0].parts[1]").contains("inline_data");
  }

  @Test
  void toolsAndOtherRolesAreRefused() {
    assertThat(rejection("{\"model\":\"m\",\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],\"tools\":[{}]}"))
        .contains("tools");
    assertThat(rejection("{\"model\":\"m\",\"contents\":[{\"role\":\"function\",\"parts\":[{\"text\":\"a\"}]}]}"))
        .contains("function");
    assertThat(rejection("{\"model\":\"m\",\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],"
        + "\"generationConfig\":{\"response_schema\":{}}}")).contains("responseSchema");
    assertThat(rejection("{\"model\":\"m\",\"contents\":[]}")).contains("contents");
    assertThat(rejection("not json")).contains("JSON");
  }

  @Test
  void backendErrorsKeepTheirClassButSpeakGoogle() throws Exception {
    String openAiError = "{\"error\":{\"message\":\"slow down\",\"type\":\"requests\",\"param\":null,\"code\":null}}";
    RateLimitHeaders limits = RateLimitHeaders.NONE;
    Outcome limited = GenerateContentOverChat.send(bytes(REQUEST),
        chat -> new Outcome.RateLimited(429, openAiError, "req_2", Duration.ofSeconds(3), limits));

    assertThat(limited).isInstanceOf(Outcome.RateLimited.class);
    Outcome.RateLimited r = (Outcome.RateLimited) limited;
    assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(3));
    assertThat(r.requestId()).isEqualTo("req_2");
    assertThat(JSON.readTree(r.body())).isEqualTo(JSON.readTree(
        "{\"error\":{\"code\":429,\"message\":\"slow down\",\"status\":\"RESOURCE_EXHAUSTED\"}}"));

    Outcome failed = GenerateContentOverChat.send(bytes(REQUEST),
        chat -> new Outcome.Retryable(503, "<html>down</html>", null, null));
    assertThat(failed).isInstanceOfSatisfying(Outcome.Retryable.class, f -> assertThat(f.body())
        .contains("\"status\":\"UNAVAILABLE\"").contains("HTTP 503"));

    Outcome unknown = GenerateContentOverChat.send(bytes(REQUEST),
        chat -> new Outcome.Rejected(404, "{\"error\":{\"message\":\"no such model\"}}", null));
    assertThat(unknown).isInstanceOfSatisfying(Outcome.Rejected.class, f -> assertThat(f.body())
        .contains("\"status\":\"NOT_FOUND\"").contains("no such model"));

    Outcome gone = new Outcome.TransportFailure("reset");
    assertThat(GenerateContentOverChat.send(bytes(REQUEST), chat -> gone)).isSameAs(gone);
  }

  @Test
  void googleStatusNames() {
    assertThat(GeminiAnswers.status(400)).isEqualTo("INVALID_ARGUMENT");
    assertThat(GeminiAnswers.status(401)).isEqualTo("UNAUTHENTICATED");
    assertThat(GeminiAnswers.status(403)).isEqualTo("PERMISSION_DENIED");
    assertThat(GeminiAnswers.status(404)).isEqualTo("NOT_FOUND");
    assertThat(GeminiAnswers.status(429)).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(GeminiAnswers.status(500)).isEqualTo("INTERNAL");
    assertThat(GeminiAnswers.status(503)).isEqualTo("UNAVAILABLE");
    assertThat(GeminiAnswers.status(529)).isEqualTo("UNAVAILABLE");
  }

  private static String rejection(String request) {
    Outcome outcome = GenerateContentOverChat.send(bytes(request), chat -> new Outcome.Success(200, "{}", null));
    assertThat(outcome).isInstanceOf(Outcome.Rejected.class);
    return ((Outcome.Rejected) outcome).body();
  }

  private static JsonNode sentChat(String request) throws IOException {
    AtomicReference<byte[]> sent = new AtomicReference<>();
    GenerateContentOverChat.send(bytes(request), chat -> {
      sent.set(chat);
      return new Outcome.Success(200, CHAT_ANSWER, null);
    });
    return JSON.readTree(sent.get());
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
