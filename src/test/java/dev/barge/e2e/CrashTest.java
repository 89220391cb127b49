package dev.barge.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.files.FileListParams;
import dev.barge.config.SimulatorConfig;
import dev.barge.config.StorageConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kill -9 at several points of a batch's life, then restart: the batch finishes with every custom_id
 * exactly once across its files, and its counts agree with them.
 */
class CrashTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LINES = 20_000;

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private KilledServer barge;

  @Test
  void killedDuringValidationDispatchAndFinalizeTheBatchStillEndsExactlyOnce() throws Exception {
    upstream = e2e.simulator(new SimulatorConfig(2, 3, 0.05, 0.05, 20, null, null, 7L));
    Path config = writeConfig(e2e.dir(), e2e.storage(e2e.dataDir()), upstream.baseUrl());
    Path log = e2e.dir().resolve("barge.log");
    List<String> hits = new ArrayList<>();

    barge = new KilledServer(e2e, config, log);
    OpenAIClient client = barge.client();
    String fileId = TestBarge.upload(client, e2e.dir(), "crash.jsonl", Lines.chat(LINES, "sim-chat"));
    String batchId = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "1h").id();
    hits.add(barge.killAndRestart("right after create: " + barge.status(batchId)));

    barge.awaitBatch(batchId, b -> b.requestCounts().map(c -> c.completed() + c.failed() >= LINES / 3).orElse(false));
    hits.add(barge.killAndRestart("during dispatch: " + barge.status(batchId)));

    // Poll fast near the end to catch the batch while its files are written.
    barge.awaitBatch(batchId, b -> !b.status().equals(Batch.Status.IN_PROGRESS) && !b.status().equals(Batch.Status.VALIDATING));
    hits.add(barge.killAndRestart("at the end: " + barge.status(batchId)));

    Batch done = TestBarge.awaitEnd(barge.client(), batchId, Duration.ofMinutes(3));
    System.out.println("CrashTest (" + (TestStorage.onPostgres() ? "PostgreSQL" : "SQLite") + ") killed " + hits);
    assertThat(done.status()).as("kills: %s\n%s", hits, barge.logText()).isEqualTo(Batch.Status.COMPLETED);
    assertExactlyOnce(barge.client(), done);
  }




  static Path writeConfig(Path dir, StorageConfig storage, String upstreamUrl) throws Exception {
    return Files.writeString(dir.resolve("barge.yaml"), """
        %s
        backends:
          - name: sim
            type: openai
            base_url: %s
            models: [sim-chat]
            limits: { max_concurrency: 64 }
            timeout: 30s
        batch: { initial_backoff: 10ms, max_backoff: 200ms, max_attempts: 100 }
        """.formatted(TestStorage.yaml(storage), upstreamUrl));
  }

  /** Every custom_id once across output and error files; counts equal the files; one set of files. */
  static void assertExactlyOnce(OpenAIClient client, Batch done) throws Exception {
    assertExactlyOnce(client, done, LINES);
  }

  /** The same for a batch of {@code lines} lines. */
  static void assertExactlyOnce(OpenAIClient client, Batch done, int lines) throws Exception {
    var counts = done.requestCounts().orElseThrow();
    List<String> output = done.outputFileId().map(id -> TestBarge.contentLines(client, id)).orElse(List.of());
    List<String> errors = done.errorFileId().map(id -> TestBarge.contentLines(client, id)).orElse(List.of());
    assertThat(output).hasSize((int) counts.completed());
    assertThat(errors).hasSize((int) counts.failed());
    assertThat(counts.total()).isEqualTo(lines);
    Set<String> seen = new HashSet<>();
    for (String line : output) assertThat(seen.add(JSON.readTree(line).get("custom_id").asText())).isTrue();
    for (String line : errors) assertThat(seen.add(JSON.readTree(line).get("custom_id").asText())).isTrue();
    assertThat(seen).hasSize(lines);
    long resultFiles = client.files().list(FileListParams.builder().purpose("batch_output").build()).data().stream()
        .filter(f -> f.filename().startsWith(done.id())).count();
    assertThat(resultFiles).as("no finalize done twice")
        .isEqualTo((output.isEmpty() ? 0 : 1) + (errors.isEmpty() ? 0 : 1));
  }
}
