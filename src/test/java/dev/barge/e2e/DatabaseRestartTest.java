package dev.barge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.SimulatorConfig;
import dev.barge.config.StorageConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PostgreSQL stopped (fast shutdown) and started again in the middle of a batch: the node says it is not
 * ready meanwhile, reconnects by itself, and the batch completes with every line exactly once.
 */
class DatabaseRestartTest {
  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private EmbeddedPostgres postgres;

  private EmbeddedPostgres startPostgres(Path dir, int port) throws IOException {
    return EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).setPort(port).start();
  }

  @Test
  void aBatchCompletesExactlyOnceThroughARestartOfItsDatabase() throws Exception {
    assumeTrue(TestStorage.onPostgres() && !TestStorage.onS3(),
        "restarts a PostgreSQL of its own: runs in the PostgreSQL pass");
    Path data = e2e.dir().resolve("postgres");
    int port = freePort();
    postgres = startPostgres(data, port);
    e2e.closing(() -> postgres.close());
    var upstream = e2e.simulator(new SimulatorConfig(5, 5, 0.0, 0.0, 20, null, null, 7L));
    StorageConfig blobs = TestStorage.under(e2e.dataDir());
    StorageConfig storage = new StorageConfig("postgresql://postgres@localhost:" + port + "/postgres", blobs.blobs(),
        blobs.s3());
    Path config = CrashTest.writeConfig(e2e.dir(), storage, upstream.baseUrl());
    BargeProcess barge = e2e.closing(BargeProcess.start(config, e2e.dir().resolve("barge.log")));
    OpenAIClient client = barge.client();
    String fileId = TestBarge.upload(client, e2e.dir(), "restart.jsonl", Lines.chat(10_000, "sim-chat"));
    String batchId = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "1h").id();
    Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> client.batches().retrieve(batchId).requestCounts()
        .map(c -> c.completed() >= 2_000).orElse(false));

    postgres.close(); // pg_ctl stop -m fast: every connection is cut
    String readyz = barge.baseUrl().replace("/v1", "/readyz");
    Awaitility.await("not ready while the database is away").atMost(Duration.ofSeconds(20))
        .until(() -> status(readyz) == 503);
    postgres = startPostgres(data, port);
    Awaitility.await("ready again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> status(readyz) == 200);

    Batch done = TestBarge.awaitEnd(client, batchId, Duration.ofMinutes(3));
    assertThat(done.status()).as(barge.logText()).isEqualTo(Batch.Status.COMPLETED);
    CrashTest.assertExactlyOnce(client, done, 10_000);
  }

  private static int status(String url) {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
