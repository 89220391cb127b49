package dev.barge.upstream;

import static dev.barge.upstream.GenerateContentOverChatTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.barge.cost.TokenCounter;
import dev.barge.cost.TokenEstimate;
import dev.barge.cost.Usage;
import org.junit.jupiter.api.Test;

/** Gemini bodies are counted before they are sent, and their answers priced by their usageMetadata. */
class GeminiUsageTest {
  private final TokenCounter counter = new TokenCounter(1024);

  @Test
  void usageMetadataIsTheAnswersUsage() {
    Usage usage = ResponseUsage.ofObject("""
        {"candidates":[],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5,"cachedContentTokenCount":4,
         "thoughtsTokenCount":2,"totalTokenCount":17},"modelVersion":"m"}""");

    // Thoughts are output, as reasoning is in OpenAI's usage.
    assertThat(usage).isEqualTo(new Usage(10, 4, 7, 2, 17));
    assertThat(ResponseUsage.ofObject("{\"embedding\":{\"values\":[0.1]},\"usageMetadata\":{\"promptTokenCount\":3}}"))
        .isEqualTo(new Usage(3, 0, 0, 0, 3));
  }

  @Test
  void generateContentPromptAndOutputLimitAreCounted() throws Exception {
    TokenEstimate camel = counter.estimate(bytes("""
        {"model":"m","contents":[{"role":"user","parts":[{"text":"Hello world"}]}],
         "systemInstruction":{"parts":[{"text":"You are terse."}]},"generationConfig":{"maxOutputTokens":50}}"""), true);
    TokenEstimate snake = counter.estimate(bytes("""
        {"model":"m","contents":[{"role":"user","parts":[{"text":"Hello world"}]}],
         "system_instruction":{"parts":[{"text":"You are terse."}]},"generation_config":{"max_output_tokens":50}}"""),
        true);

    // The texts are a handful of tokens, plus 3 for the content and 3 for the reply.
    assertThat(camel.prompt()).isBetween(10L, 16L);
    assertThat(camel.output()).isEqualTo(50);
    assertThat(snake).isEqualTo(camel);
    assertThat(counter.estimate(bytes("{\"model\":\"m\",\"contents\":[{\"parts\":[{\"text\":\"a\"}]}]}"), true).output())
        .isEqualTo(1024);
  }

  @Test
  void embedContentTextIsCounted() throws Exception {
    TokenEstimate e = counter.estimate(bytes("""
        {"model":"e","content":{"parts":[{"text":"one two three"}]},"taskType":"RETRIEVAL_DOCUMENT"}"""), false);
    assertThat(e.prompt()).isBetween(3L, 4L);
    assertThat(e.output()).isZero();
  }
}
