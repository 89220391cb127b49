package dev.barge.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.BargeConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The embedded default: an embeddings batch runs on the local all-MiniLM-L6-v2 model, no network needed. */
class EmbeddingsBatchTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final BargeExtension e2e = new BargeExtension();

  @Test
  void embeddingsBatchOnTheLocalModelReturns384DimensionVectors() throws Exception {
    TestBarge barge = e2e.start(BargeConfig.embeddedDefault());
    OpenAIClient client = barge.client();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      lines.add(Lines.embeddingLine("doc-" + i, "all-MiniLM-L6-v2", "Document number " + i + " about batches."));
    }
    String fileId = TestBarge.upload(client, e2e.dir(), "docs.jsonl", lines);

    Batch done = TestBarge.awaitEnd(client,
        TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_EMBEDDINGS, "1h").id(),
        Duration.ofMinutes(2));

    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    assertThat(done.requestCounts().orElseThrow().completed()).isEqualTo(20);
    assertThat(done.errorFileId()).isEmpty();
    assertThat(done.usage().orElseThrow().inputTokens()).isPositive();
    List<String> output = TestBarge.contentLines(client, done.outputFileId().orElseThrow());
    assertThat(output).hasSize(20);
    for (String line : output) {
      JsonNode body = JSON.readTree(line).at("/response/body");
      assertThat(body.get("object").asText()).isEqualTo("list");
      assertThat(body.at("/data/0/embedding")).hasSize(384);
      assertThat(body.get("model").asText()).isEqualTo("all-MiniLM-L6-v2");
    }
  }
}
