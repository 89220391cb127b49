package dev.barge.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.config.SimulatorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A batch survives a restart of the server: it continues where it was and every line ends exactly once. */
class RestartTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final BargeExtension e2e = new BargeExtension();

  @Test
  void batchInterruptedByARestartCompletesWithEveryCustomIdOnce() throws Exception {
    BackendConfig slow = new BackendConfig("sim", BackendType.SIMULATOR, null, null, List.of("m"),
        new LimitsConfig(null, null, 4), null, new SimulatorConfig(50, 0, 0.0, 0.0, 0, null, null, 1L));
    BargeConfig config = BargeConfig.embeddedDefault().withBackends(List.of(slow));
    Path data = e2e.dataDir();

    String batchId;
    try (TestBarge first = TestBarge.start(config, data)) {
      OpenAIClient client = first.client();
      String fileId = TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(200, "m"));
      batchId = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "1h").id();
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
          client.batches().retrieve(batchId).requestCounts().map(c -> c.completed() >= 20).orElse(false));
    }
    try (TestBarge second = TestBarge.start(config, data)) {
      OpenAIClient client = second.client();
      Batch halfway = client.batches().retrieve(batchId);
      assertThat(halfway.status()).isEqualTo(Batch.Status.IN_PROGRESS);
      assertThat(halfway.requestCounts().orElseThrow().completed()).isBetween(20L, 199L);

      Batch done = TestBarge.awaitEnd(client, batchId, Duration.ofSeconds(60));

      assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
      assertThat(done.requestCounts().orElseThrow().completed()).isEqualTo(200);
      List<String> ids = new ArrayList<>();
      for (String line : TestBarge.contentLines(client, done.outputFileId().orElseThrow())) {
        ids.add(JSON.readTree(line).get("custom_id").asText());
      }
      assertThat(ids).hasSize(200).doesNotHaveDuplicates();
    }
  }
}
