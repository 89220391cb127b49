package dev.barge.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import dev.barge.config.BargeConfig;
import dev.barge.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The README's quickstart inputs run to completion on the example configuration. */
class ExamplesTest {
  @RegisterExtension final BargeExtension e2e = new BargeExtension();

  @Test
  void exampleChatAndEmbeddingsFilesCompleteOnTheSimulatorExample() {
    BargeConfig config = new ConfigLoader(Map.of()).load(Path.of("examples/simulator.yaml"));
    TestBarge barge = e2e.start(config);
    OpenAIClient client = barge.client();
    Batch chat = run(client, "examples/chat.jsonl", BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS);
    Batch embeddings = run(client, "examples/embeddings.jsonl", BatchCreateParams.Endpoint.V1_EMBEDDINGS);

    for (Batch done : new Batch[] {chat, embeddings}) {
      assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
      var counts = done.requestCounts().orElseThrow();
      assertThat(counts.completed() + counts.failed()).isEqualTo(counts.total());
    }
    assertThat(chat.requestCounts().orElseThrow().total()).isEqualTo(100);
    assertThat(embeddings.requestCounts().orElseThrow().completed()).isEqualTo(50);
  }

  private static Batch run(OpenAIClient client, String input, BatchCreateParams.Endpoint endpoint) {
    String fileId = client.files().create(FileCreateParams.builder().file(Path.of(input)).purpose(FilePurpose.BATCH)
        .build()).id();
    return TestBarge.awaitEnd(client, TestBarge.create(client, fileId, endpoint, "1h").id(), Duration.ofMinutes(2));
  }
}
