package dev.barge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.SimulatorConfig;
import dev.barge.config.StorageConfig;
import dev.barge.dispatch.NodeHeartbeat;
import dev.barge.store.Database;
import dev.barge.store.NodeStore;
import dev.barge.upstream.simulator.SimulatorServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three {@code barge serve} processes on one PostgreSQL and blob directory; one is killed mid-batch. */
class MultiNodeTest {
  @TempDir Path dir;
  private SimulatorServer upstream;
  private final List<BargeProcess> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    nodes.forEach(BargeProcess::close);
    if (upstream != null) upstream.close();
  }

  @Test
  void threeNodesShareABatchAndTheOthersFinishWhatAKilledOneHeld() throws Exception {
    assumeTrue(TestStorage.onPostgres(), "several nodes need PostgreSQL");
    upstream = SimulatorServer.start("127.0.0.1", 0, new SimulatorConfig(20, 10, 0.02, 0.02, 20, null, null, 3L),
        Set.of());
    StorageConfig storage = TestStorage.under(dir.resolve("shared"));
    Path config = CrashTest.writeConfig(dir, storage, upstream.baseUrl());
    for (int i = 0; i < 3; i++) nodes.add(BargeProcess.start(config, dir.resolve("node-" + i + ".log")));
    try (Database db = Database.open(storage)) {
      NodeStore registry = new NodeStore(db);
      assertThat(registry.alive(System.currentTimeMillis() - NodeHeartbeat.DEAD_AFTER.toMillis()).size()).isEqualTo(3);

      // Submitted to one node, the batch is visible and worked on by all of them.
      OpenAIClient first = nodes.get(0).client();
      String fileId = TestBarge.upload(first, dir, "shared.jsonl", Lines.chat(20_000, "sim-chat"));
      String batchId = TestBarge.create(first, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "1h").id();
      OpenAIClient third = nodes.get(2).client();
      Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> third.batches().retrieve(batchId).requestCounts()
          .map(c -> c.completed() >= 4_000).orElse(false));

      nodes.get(1).kill();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
          registry.alive(System.currentTimeMillis() - NodeHeartbeat.DEAD_AFTER.toMillis()).size() == 2);

      Batch done = TestBarge.awaitEnd(third, batchId, Duration.ofMinutes(3));
      assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
      CrashTest.assertExactlyOnce(first, done);
    }
  }
}
