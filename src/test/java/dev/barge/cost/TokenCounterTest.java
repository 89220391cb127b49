package dev.barge.cost;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenCounterTest {
  private final TokenCounter counter = new TokenCounter(1024);

  private TokenEstimate estimate(String body, boolean generates) throws IOException {
    return counter.estimate(body.getBytes(StandardCharsets.UTF_8), generates);
  }

  @Test
  void chatCountsMessageTextWithOverheadAndItsOutputLimit() throws IOException {
    TokenEstimate e = estimate("{\"model\":\"gpt-4o\",\"max_completion_tokens\":50,\"messages\":["
        + "{\"role\":\"system\",\"content\":\"You are terse.\"},"
        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hello world\"}]}]}", true);
    // "You are terse." and "Hello world" are a handful of tokens; 3 per message and 3 for the reply.
    assertThat(e.prompt()).isBetween(12L, 20L);
    assertThat(e.output()).isEqualTo(50);
  }

  @Test
  void withoutAnOutputLimitTheDefaultCounts() throws IOException {
    assertThat(estimate("{\"model\":\"m\",\"prompt\":\"Once upon a time\"}", true).output()).isEqualTo(1024);
  }

  @Test
  void embeddingsHaveNoOutputAndTokenIdInputsCountOneEach() throws IOException {
    TokenEstimate e = estimate("{\"model\":\"m\",\"input\":[[1,2,3,4],[5,6]]}", false);
    assertThat(e).isEqualTo(new TokenEstimate(6, 0));
  }

  @Test
  void keysThatAreNotTextDoNotCount() throws IOException {
    assertThat(estimate("{\"model\":\"a-very-long-model-name-that-is-not-prompt\",\"user\":\"someone\","
        + "\"input\":\"hi\"}", false).prompt()).isEqualTo(1);
  }
}
