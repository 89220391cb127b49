package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.LimitsConfig;
import dev.barge.config.ProjectConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A project's quota of prompt tokens queued per model: a batch over it fails, and ended batches free it. */
class EnqueuedTokensTest {
  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  @Test
  void aBatchOverTheQuotaFailsAndTheQuotaFreesWhenBatchesEnd() {
    // One slow call at a time keeps the first batch running; each line's body is about 25 tokens (bytes / 4).
    upstream = e2e.simulator(500);
    barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, 1))
        .withProjects(Map.of("default", new ProjectConfig(null, Map.of(MODEL, 800L)))));
    OpenAIClient client = barge.client();
    String fileId = TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(20, MODEL));

    Batch first = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> client.batches().retrieve(first.id()).status().equals(Batch.Status.IN_PROGRESS));
    Batch second = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    Batch refused = TestBarge.awaitEnd(client, second.id(), Duration.ofSeconds(10));
    assertThat(refused.status()).isEqualTo(Batch.Status.FAILED);
    var error = refused.errors().orElseThrow().data().orElseThrow().getFirst();
    assertThat(error.code()).contains("token_limit_exceeded");
    assertThat(error.message().orElseThrow()).contains(MODEL).contains("800");

    client.batches().cancel(first.id());
    TestBarge.awaitEnd(client, first.id(), Duration.ofSeconds(30));
    Batch third = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> client.batches().retrieve(third.id()).status().equals(Batch.Status.IN_PROGRESS));
  }
}
