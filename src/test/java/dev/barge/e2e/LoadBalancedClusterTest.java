package dev.barge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three nodes behind one nginx (round robin): the official SDK runs batches with its calls landing on
 * different nodes, and a rolling restart of every node during a batch loses and repeats no result. With
 * file bytes in S3 (the third pass) the nodes share no directory.
 */
class LoadBalancedClusterTest {
  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private final List<BargeProcess> nodes = new ArrayList<>();
  private Nginx nginx;

  private OpenAIClient startCluster(int latencyMs) throws Exception {
    assumeTrue(TestStorage.onPostgres() && TestStorage.onS3(),
        "a cluster with no shared directory: runs in the PostgreSQL and S3 pass");
    assumeTrue(Nginx.installed(), "needs nginx (Debian: apt-get install nginx; .ci/run installs it)");
    SimulatorServer upstream = e2e.simulator(new SimulatorConfig(latencyMs, 5, 0.0, 0.0, 20, null, null, 7L));
    Path config = CrashTest.writeConfig(e2e.dir(), e2e.storage(e2e.dir().resolve("shared")), upstream.baseUrl());
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      BargeProcess node = e2e.closing(BargeProcess.start(config, log(i)));
      nodes.add(node);
      ports.add(node.port);
    }
    nginx = e2e.closing(Nginx.start(e2e.dir().resolve("nginx"), ports));
    return OpenAIOkHttpClient.builder().baseUrl(nginx.baseUrl()).apiKey("unused").build();
  }

  private Path log(int node) {
    return e2e.dir().resolve("node-" + node + ".log");
  }

  @Test
  void theSdkRunsBatchesThroughThreeNodesBehindOneAddress() throws Exception {
    OpenAIClient client = startCluster(5);
    String fileId = TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(2_000, "sim-chat"));
    String batchId = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "1h").id();
    assertThat(nginx.nodesThatAnswered("POST", "/v1/files")).hasSize(1)
        .doesNotContainAnyElementsOf(nginx.nodesThatAnswered("POST", "/v1/batches"));

    // Progress events from one node while the batch runs on all three, to its end.
    String last = lastEvent(nginx.baseUrl() + "/batches/" + batchId + "/events");
    assertThat(last).startsWith("event: end");
    HttpResponse<String> partial = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(nginx.baseUrl() + "/batches/" + batchId + "/partial")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(partial.statusCode()).isEqualTo(200);
    Batch done = TestBarge.awaitEnd(client, batchId, Duration.ofMinutes(2));
    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    CrashTest.assertExactlyOnce(client, done, 2_000);

    Batch other = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "more.jsonl",
        Lines.chat(20_000, "sim-chat")), BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "1h");
    client.batches().cancel(other.id());
    assertThat(TestBarge.awaitEnd(client, other.id(), Duration.ofMinutes(1)).status())
        .isEqualTo(Batch.Status.CANCELLED);
    assertThat(nginx.nodesThatAnswered("GET", "/v1/batches/")).as("nodes that answered polls").hasSize(3);
  }

  @Test
  void restartingEveryNodeInTurnDuringABatchLosesAndRepeatsNoResult() throws Exception {
    OpenAIClient client = startCluster(50);
    int lines = 30_000;
    String fileId = TestBarge.upload(client, e2e.dir(), "rolling.jsonl", Lines.chat(lines, "sim-chat"));
    String batchId = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "1h").id();
    Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> client.batches().retrieve(batchId).requestCounts()
        .map(c -> c.completed() >= 1_000).orElse(false));
    List<String> restarts = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      BargeProcess node = nodes.get(i);
      node.stop(); // SIGTERM: it stops taking work, finishes what it holds, and leaves
      nodes.set(i, e2e.closing(BargeProcess.start(node.configPath(), log(i), node.port)));
      restarts.add("node " + i + " at " + client.batches().retrieve(batchId).requestCounts()
          .map(c -> c.completed() + "").orElse("?"));
    }
    Batch done = TestBarge.awaitEnd(client, batchId, Duration.ofMinutes(3));
    System.out.println("LoadBalancedClusterTest restarted " + restarts);
    assertThat(done.status()).as("restarts: %s", restarts).isEqualTo(Batch.Status.COMPLETED);
    CrashTest.assertExactlyOnce(client, done, lines);
  }

  /** Reads a progress event stream to its end; returns the last event's first line. */
  private static String lastEvent(String url) throws Exception {
    HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    String last = null;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("event: ")) last = line;
      }
    }
    return last;
  }
}
