package dev.barge.upstream;

import static dev.barge.upstream.GenerateContentOverChatTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Gemini embedContent over OpenAI-format embeddings. */
class EmbedContentOverEmbeddingsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ANSWER = """
      {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,-0.25]}],"model":"e",
       "usage":{"prompt_tokens":4,"total_tokens":4}}""";

  @Test
  void partsBecomeOneInputAndTheVectorComesBack() throws Exception {
    AtomicReference<byte[]> sent = new AtomicReference<>();
    Outcome outcome = EmbedContentOverEmbeddings.send(bytes("""
        {"model":"e","content":{"parts":[{"text":"a"},{"text":"b"}]},"taskType":"RETRIEVAL_DOCUMENT","title":"t",
         "outputDimensionality":64}"""), input -> {
      sent.set(input);
      return new Outcome.Success(200, ANSWER, "req_1");
    });

    assertThat(JSON.readTree(sent.get())).isEqualTo(JSON.readTree(
        "{\"model\":\"e\",\"input\":\"a\\nb\",\"dimensions\":64}"));
    assertThat(JSON.readTree(((Outcome.Success) outcome).body())).isEqualTo(JSON.readTree(
        "{\"embedding\":{\"values\":[0.5,-0.25]},\"usageMetadata\":{\"promptTokenCount\":4,\"totalTokenCount\":4}}"));
  }

  @Test
  void snakeCaseAndNoDimensions() throws Exception {
    AtomicReference<byte[]> sent = new AtomicReference<>();
    EmbedContentOverEmbeddings.send(bytes("{\"model\":\"e\",\"content\":{\"parts\":[{\"text\":\"a\"}]},"
        + "\"task_type\":\"CLUSTERING\",\"output_dimensionality\":8}"), input -> {
          sent.set(input);
          return new Outcome.Success(200, ANSWER, null);
        });
    assertThat(JSON.readTree(sent.get()).get("dimensions").asInt()).isEqualTo(8);

    EmbedContentOverEmbeddings.send(bytes("{\"model\":\"e\",\"content\":{\"parts\":[{\"text\":\"a\"}]}}"), input -> {
      sent.set(input);
      return new Outcome.Success(200, ANSWER, null);
    });
    assertThat(JSON.readTree(sent.get()).has("dimensions")).isFalse();
  }

  @Test
  void nonTextPartsAndAnswersWithoutAVectorAreNotTaken() {
    Outcome refused = EmbedContentOverEmbeddings.send(bytes("{\"model\":\"e\",\"content\":{\"parts\":"
        + "[{\"inlineData\":{\"data\":\"AA\"}}]}}"), input -> {
          throw new AssertionError("sent");
        });
    assertThat(refused).isInstanceOfSatisfying(Outcome.Rejected.class, r -> assertThat(r.body())
        .contains("inlineData").contains("INVALID_ARGUMENT"));

    Outcome empty = EmbedContentOverEmbeddings.send(bytes("{\"model\":\"e\",\"content\":{\"parts\":[{\"text\":\"a\"}]}}"),
        input -> new Outcome.Success(200, "{\"data\":[]}", null));
    assertThat(empty).isInstanceOfSatisfying(Outcome.Retryable.class, r -> assertThat(r.status()).isEqualTo(502));
  }
}
