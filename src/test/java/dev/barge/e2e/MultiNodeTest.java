package dev.barge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.ChatModel;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.config.StorageConfig;
import dev.barge.dispatch.NodeHeartbeat;
import dev.barge.store.Database;
import dev.barge.store.NodeStore;
import dev.barge.upstream.simulator.SimulatorServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Nodes on one PostgreSQL and blob directory: three {@code barge serve} processes, one killed mid-batch; and
 * two engines side by side, for what one node must not do to the other (clocks apart, a node starting).
 */
class MultiNodeTest {
  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private final List<BargeProcess> nodes = new ArrayList<>();

  @Test
  void threeNodesShareABatchAndTheOthersFinishWhatAKilledOneHeld() throws Exception {
    assumeTrue(TestStorage.onPostgres(), "several nodes need PostgreSQL");
    upstream = e2e.simulator(new SimulatorConfig(20, 10, 0.02, 0.02, 20, null, null, 3L));
    StorageConfig storage = e2e.storage(e2e.dir().resolve("shared"));
    Path config = CrashTest.writeConfig(e2e.dir(), storage, upstream.baseUrl());
    for (int i = 0; i < 3; i++) {
      nodes.add(e2e.closing(BargeProcess.start(config, e2e.dir().resolve("node-" + i + ".log"))));
    }
    try (Database db = Database.open(storage)) {
      NodeStore registry = new NodeStore(db);
      assertThat(registry.alive(NodeHeartbeat.DEAD_AFTER).ids()).hasSize(3);

      // Submitted to one node, the batch is visible and worked on by all of them.
      OpenAIClient first = nodes.get(0).client();
      String fileId = TestBarge.upload(first, e2e.dir(), "shared.jsonl", Lines.chat(20_000, "sim-chat"));
      String batchId = TestBarge.create(first, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "1h").id();
      OpenAIClient third = nodes.get(2).client();
      Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> third.batches().retrieve(batchId).requestCounts()
          .map(c -> c.completed() >= 4_000).orElse(false));

      // Every node took a share of the lines, not just the one the batch was created on.
      for (BargeProcess node : nodes) {
        assertThat(outputTokens(node)).as("output tokens on the node on port %d", node.port).isPositive();
      }

      nodes.get(1).kill();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
          registry.alive(NodeHeartbeat.DEAD_AFTER).ids().size() == 2);

      Batch done = TestBarge.awaitEnd(third, batchId, Duration.ofMinutes(3));
      assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
      CrashTest.assertExactlyOnce(first, done);
    }
  }

  @Test
  void aNodeWhoseClockIsBehindIsNotTakenForDeadAndNoRequestIsSentTwice() throws Exception {
    assumeTrue(TestStorage.onPostgres(), "several nodes need PostgreSQL");
    upstream = e2e.simulator(300);
    BargeConfig config = BargeConfig.embeddedDefault().withBackends(List.of(
        TestBarge.simulatorBackend(upstream, "sim-chat", new LimitsConfig(null, null, 4))));
    Path shared = e2e.dir().resolve("shared");
    int lines = 100;
    // 30 s behind the database and the other node: three times the silence after which a node is dead.
    Clock behind = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-30));
    try (TestBarge late = TestBarge.start(config, shared, behind)) {
      OpenAIClient client = late.client();
      String fileId = TestBarge.upload(client, e2e.dir(), "skew.jsonl", Lines.chat(lines, "sim-chat"));
      String batchId = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h").id();
      // The late node is at work, its calls in flight, when the other one joins.
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> client.batches().retrieve(batchId).requestCounts()
          .map(c -> c.completed() >= 4).orElse(false));
      try (TestBarge onTime = TestBarge.start(config, shared)) {
        Batch done = TestBarge.awaitEnd(onTime.client(), batchId, Duration.ofMinutes(1));
        assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
        assertThat(done.requestCounts().orElseThrow().completed()).isEqualTo(lines);
      }
    }
    long calls = upstream.answersByStatus().values().stream().mapToLong(Long::longValue).sum();
    assertThat(calls).as("calls the upstream answered (and would bill)").isEqualTo(lines);
  }

  @Test
  void theNodeWithTheWorkGetsMostOfABackendsLimitAndItFollowsTheWorkToTheOther() throws Exception {
    assumeTrue(TestStorage.onPostgres(), "several nodes need PostgreSQL");
    assumeFalse(TestStorage.onS3(), "no file bytes involved");
    int perMinute = 1_200; // enforced by the simulator as well: every call over it would be a 429
    upstream = e2e.simulator(new SimulatorConfig(0, 0, 0.0, 0.0, null, perMinute, null, 1L));
    BargeConfig config = BargeConfig.embeddedDefault().withBackends(List.of(
        TestBarge.simulatorBackend(upstream, "sim-chat", new LimitsConfig(perMinute, null, 8))));
    Path shared = e2e.dir().resolve("shared");
    try (TestBarge a = TestBarge.start(config, shared); TestBarge b = TestBarge.start(config, shared)) {
      for (TestBarge busy : List.of(a, b)) {
        // Synchronous callers on one node only, asking far more than the limit; the other node is idle.
        // Split blindly, the busy node would keep to half the limit.
        AtomicBoolean calling = new AtomicBoolean(true);
        AtomicLong answered = new AtomicLong();
        List<Thread> callers = new ArrayList<>();
        OpenAIClient client = busy.client();
        for (int i = 0; i < 6; i++) {
          callers.add(Thread.ofVirtual().start(() -> {
            while (calling.get()) {
              try {
                client.chat().completions().create(ChatCompletionCreateParams.builder().model(ChatModel.of("sim-chat"))
                    .addUserMessage("Say hello").maxCompletionTokens(8).build());
                answered.incrementAndGet();
              } catch (RuntimeException busyNow) {
                // no slot within the wait: ask again
              }
            }
          }));
        }
        Thread.sleep(6_000); // the shares follow demand within a few renewals
        long before = answered.get();
        Thread.sleep(10_000);
        long inTenSeconds = answered.get() - before;
        calling.set(false);
        for (Thread t : callers) t.join();
        assertThat(inTenSeconds).as("answers in 10 s on the busy node, of %d the limit allows", perMinute / 6)
            .isGreaterThan((long) (perMinute / 6 * 0.75));
      }
    }
    assertThat(upstream.answersByStatus().getOrDefault(429, 0L)).as("429s from the upstream").isZero();
  }

  @Test
  void aNodeStartingLeavesAnotherNodesUploadInProgressAlone() throws Exception {
    assumeTrue(TestStorage.onPostgres(), "several nodes need PostgreSQL");
    assumeFalse(TestStorage.onS3(), "about uploads in progress in a shared blob directory");
    Path shared = e2e.dir().resolve("shared");
    BargeConfig config = BargeConfig.embeddedDefault().withBackends(List.of());
    String boundary = "----barge-multinode";
    byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--" + boundary
        + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.jsonl\"\r\n"
        + "Content-Type: application/jsonl\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    byte[] content = (String.join("\n", Lines.chat(2_000, "m")) + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
    try (TestBarge first = TestBarge.start(config, shared);
        Socket socket = new Socket("127.0.0.1", first.server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary="
          + boundary + "\r\nContent-Length: " + (head.length + content.length + tail.length) + "\r\nConnection: close"
          + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(head);
      out.write(content, 0, content.length / 2);
      out.flush();
      // Half the file is on its way into the shared blob directory when a second node starts on it.
      Path tmp = shared.resolve("blobs/tmp");
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> partialFiles(tmp) == 1);
      try (TestBarge second = TestBarge.start(config, shared)) {
        out.write(content, content.length / 2, content.length - content.length / 2);
        out.write(tail);
        out.flush();
        String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(response).startsWith("HTTP/1.1 200");
        String fileId = new ObjectMapper().readTree(response.substring(response.indexOf("\r\n\r\n") + 4)).get("id").asText();
        assertThat(String.join("\n", TestBarge.contentLines(second.client(), fileId)) + "\n")
            .isEqualTo(new String(content, StandardCharsets.UTF_8));
      }
    }
  }

  /** The output tokens a node's calls to the simulator reported, from its {@code /metrics}. */
  private static double outputTokens(BargeProcess node) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      String metrics = http.send(HttpRequest.newBuilder(URI.create(node.baseUrl().replace("/v1", "/metrics"))).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      Matcher m = Pattern.compile("^barge_tokens_total\\{backend=\"sim\",direction=\"output\"} ([0-9.E+-]+)$",
          Pattern.MULTILINE).matcher(metrics);
      return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
  }

  private static long partialFiles(Path tmp) throws IOException {
    try (Stream<Path> all = Files.walk(tmp)) {
      return all.filter(Files::isRegularFile).count();
    }
  }
}
