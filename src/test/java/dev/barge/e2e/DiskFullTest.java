package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.LimitsConfig;
import dev.barge.config.ModelPrice;
import java.io.IOException;
import java.math.BigDecimal;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SQLite's database on a disk that fills up mid-batch: callers who would write get 503, nothing accepted is
 * lost, and the batch completes exactly once when space returns. The disk is a small tmpfs, mounted by the
 * test (it needs root and the right to mount, and says so and skips without them).
 */
class DiskFullTest {
  private static final int LINES = 3_000;

  @RegisterExtension final BargeExtension e2e = new BargeExtension();

  @Test
  void aFullDiskStopsWritesWithA503AndTheBatchCompletesOnceSpaceReturns() throws Exception {
    assumeTrue(!TestStorage.onPostgres(), "about SQLite's database file");
    Path disk = Files.createDirectories(e2e.dir().resolve("small-disk"));
    assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=128m", "tmpfs", disk.toString()) == 0,
        "cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)");
    e2e.closing(() -> run("umount", "-l", disk.toString()));
    var upstream = e2e.simulator(50);
    TestBarge barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, 8))
        .withPricing(Map.of(MODEL, new ModelPrice(new BigDecimal("1"), null, new BigDecimal("2")))), disk,
        Clock.systemUTC());
    OpenAIClient client = barge.client();
    String fileId = TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(LINES, MODEL));
    String batchId = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "1h").id();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> client.batches().retrieve(batchId).requestCounts()
        .map(c -> c.completed() >= 100).orElse(false));

    String probeFile = TestBarge.upload(client, e2e.dir(), "probe.jsonl", Lines.chat(3, MODEL));
    Path filler = disk.resolve("filler");
    fill(filler);
    // A write may still fit in what SQLite has allocated; one that needs new pages fails. Every answer
    // meanwhile is a batch created or that 503, never a server error.
    List<String> probes = new ArrayList<>();
    List<Integer> statuses = new ArrayList<>();
    HttpResponse<String>[] refused = new HttpResponse[1];
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
      HttpResponse<String> r = post(barge.baseUrl + "/batches", "{\"input_file_id\": \"" + probeFile
          + "\", \"endpoint\": \"/v1/chat/completions\", \"completion_window\": \"24h\"}");
      statuses.add(r.statusCode());
      refused[0] = r;
      if (r.statusCode() == 200) probes.add(r.body().replaceAll("(?s).*?\"id\"\\s*:\\s*\"([^\"]+)\".*", "$1"));
      return r.statusCode() != 200;
    });
    assertThat(refused[0].statusCode()).as("answers while the disk filled: %s", statuses).isEqualTo(503);
    assertThat(refused[0].body()).contains("database_full").contains("the disk holding its database is full");
    assertThat(refused[0].headers().firstValue("retry-after")).isPresent();
    long stalled = client.batches().retrieve(batchId).requestCounts().orElseThrow().completed();
    Thread.sleep(1_000);
    assertThat(client.batches().retrieve(batchId).requestCounts().orElseThrow().completed())
        .as("no progress is recorded while the disk is full").isEqualTo(stalled);

    Files.delete(filler);
    Batch done = TestBarge.awaitEnd(client, batchId, Duration.ofMinutes(2));
    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    CrashTest.assertExactlyOnce(client, done, LINES);
    for (String probe : probes) {
      assertThat(TestBarge.awaitEnd(client, probe, Duration.ofMinutes(1)).status()).as("batch %s accepted while the"
          + " disk filled", probe).isEqualTo(Batch.Status.COMPLETED);
    }
  }

  private static HttpResponse<String> post(String url, String json) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(HttpRequest.newBuilder(URI.create(url)).header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  /** Writes zeros to {@code file} until the disk has no room left. */
  private static void fill(Path file) {
    byte[] chunk = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) out.write(chunk);
    } catch (IOException full) {
      // no space left on the device: what we wanted
    }
  }

  private static int run(String... command) throws IOException, InterruptedException {
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start().waitFor();
  }
}
