package dev.barge.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.SimulatorBatchJobs;
import dev.barge.config.SimulatorConfig;
import dev.barge.config.StorageConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kill -9 of a server whose batch runs as a provider job: as the job is created, while it is polled and
 * while its results are read. The provider holds one job, and the batch ends with every line once.
 */
class ProviderJobsCrashTest {
  private static final int LINES = 20_000; // CrashTest.assertExactlyOnce's count

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private KilledServer barge;

  /**
   * On {@code anthropic}, whose batches carry no tag of Barge's, the job cut short at its creation is told
   * by its results once it ends: the same one job, later.
   */
  @ParameterizedTest
  @ValueSource(strings = {"openai", "anthropic"})
  void killedAtJobCreationWhilePollingAndWhileReadingResultsTheProviderHoldsOneJobAndEveryLineEndsOnce(String type)
      throws Exception {
    upstream = e2e.simulator(new SimulatorConfig(null, null, null, null, null, null, null, 7L, null, null, null, null,
        new SimulatorBatchJobs("8s", null, 0.02, null, true)));
    Path config = writeConfig(e2e.dir(), e2e.storage(e2e.dataDir()), type, upstream.baseUrl());
    Path log = e2e.dir().resolve("barge.log");
    List<String> hits = new ArrayList<>();

    barge = new KilledServer(e2e, config, log);
    OpenAIClient client = barge.client();
    String fileId = TestBarge.upload(client, e2e.dir(), "jobs.jsonl", Lines.chat(LINES, "sim-chat"));
    String batchId = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h").id();

    Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(5))
        .until(() -> jobsCreated(type) >= 1);
    hits.add(barge.killAndRestart("as the job was created"));

    Thread.sleep(1_000);
    hits.add(barge.killAndRestart("while it was polled: " + barge.status(batchId)));

    barge.awaitBatch(batchId, b -> b.requestCounts().map(c -> c.completed() + c.failed() > 0).orElse(false));
    hits.add(barge.killAndRestart("while its results were read: " + barge.status(batchId)));

    Batch done = TestBarge.awaitEnd(barge.client(), batchId, Duration.ofMinutes(3));
    System.out.println("ProviderJobsCrashTest killed " + hits);
    assertThat(done.status()).as("kills: %s\n%s", hits, barge.logText()).isEqualTo(Batch.Status.COMPLETED);
    CrashTest.assertExactlyOnce(barge.client(), done);
    assertThat(jobsCreated(type)).as("jobs created upstream").isEqualTo(1);
  }

  private long jobsCreated(String type) {
    var counts = upstream.jobCounts();
    return (type.equals("openai") ? counts.openai() : counts.anthropic()).created();
  }

  private static Path writeConfig(Path dir, StorageConfig storage, String type, String upstreamUrl)
      throws Exception {
    return Files.writeString(dir.resolve("barge.yaml"), """
        %s
        backends:
          - name: provider-batch
            type: %s
            base_url: %s
            models: [sim-chat]
            limits: { max_concurrency: 64 }
            timeout: 30s
            provider_batch: { gather: 200ms, poll_every: 300ms, spill_before: 1h }
        batch: { initial_backoff: 10ms, max_backoff: 200ms, max_attempts: 100, canary: { above_lines: 100000 } }
        """.formatted(TestStorage.yaml(storage), type, upstreamUrl));
  }
}
