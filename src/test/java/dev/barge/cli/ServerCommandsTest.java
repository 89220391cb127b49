package dev.barge.cli;

import static dev.barge.cli.RunCommandTest.barge;
import static dev.barge.cli.RunCommandTest.chatLines;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.api.ApiServer;
import dev.barge.config.BargeConfig;
import dev.barge.config.ConfigLoader;
import dev.barge.engine.Engine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code submit}, {@code status}, {@code list}, {@code cancel} against a real Barge server. */
class ServerCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private Engine engine;
  private ApiServer server;
  private String url;

  @BeforeEach
  void start() {
    BargeConfig cfg = new ConfigLoader(Map.of()).parse("""
        backends:
          - {name: fast, type: simulator, models: [sim], simulator: {latency_ms: 1}}
          - {name: slow, type: simulator, models: [slow], limits: {max_concurrency: 1}, simulator: {latency_ms: 500}}
        """, "test").withDataDirectory(dir.resolve("data")).withServer("127.0.0.1", 0);
    engine = Engine.start(cfg, Clock.systemUTC());
    server = ApiServer.start(engine, cfg);
    url = "http://127.0.0.1:" + server.port() + "/v1";
  }

  @AfterEach
  void stop() {
    server.close();
    engine.close();
  }

  @Test
  void submitWaitFollowsTheBatchAndWritesTheResultsBesideTheInput() throws Exception {
    Path input = Files.write(dir.resolve("q.jsonl"), chatLines(25, "sim"), StandardCharsets.UTF_8);

    RunCommandTest.Result r = barge("submit", input.toString(), "--url", url, "--wait", "--metadata", "run=test");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("completed: 25 of 25 succeeded");
    assertThat(Files.readAllLines(dir.resolve("q.output.jsonl"))).hasSize(25);
    JsonNode listed = JSON.readTree(barge("list", "--url", url, "--json").out());
    assertThat(listed.at("/data/0/metadata/run").asText()).isEqualTo("test");

    String id = listed.at("/data/0/id").asText();
    RunCommandTest.Result results = barge("results", id, "--url", url, "--format", "csv");
    assertThat(results.exit()).as(results.err()).isZero();
    List<String> csv = results.out().lines().toList();
    assertThat(csv).hasSize(26);
    assertThat(csv.get(1)).startsWith("1,q-0,succeeded,200,");
  }

  @Test
  void submitPrintsTheIdThatStatusListAndCancelTake() throws Exception {
    Path input = Files.write(dir.resolve("slow.jsonl"), chatLines(20, "slow"), StandardCharsets.UTF_8);

    RunCommandTest.Result submitted = barge("submit", input.toString(), "--url", url, "--window", "1h");
    assertThat(submitted.exit()).as(submitted.err()).isZero();
    String id = submitted.out().strip();
    assertThat(id).startsWith("batch_");

    // Counted once validation has read the file, a moment after the create answered.
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(barge("status", id, "--url", url).out()).startsWith(id).contains("/20"));
    assertThat(barge("list", "--url", url).out()).contains(id);
    RunCommandTest.Result cancelled = barge("cancel", id, "--url", url);
    assertThat(cancelled.exit()).isZero();
    assertThat(cancelled.out()).contains(id + " cancelling");
    JsonNode status = JSON.readTree(barge("status", id, "--url", url, "--json").out());
    assertThat(status.get("status").asText()).isIn("cancelling", "cancelled");
  }

  @Test
  void serverMistakesAndAnUnreachableServerAreNamedWithExitCode4() throws Exception {
    RunCommandTest.Result unknown = barge("status", "batch_nope", "--url", url);
    assertThat(unknown.exit()).isEqualTo(Cli.SERVER_ERROR);
    assertThat(unknown.err()).contains("404").contains("batch_nope");

    Path input = Files.write(dir.resolve("q.jsonl"), chatLines(1, "sim"), StandardCharsets.UTF_8);
    RunCommandTest.Result down = barge("submit", input.toString(), "--url", "http://127.0.0.1:9/v1");
    assertThat(down.exit()).isEqualTo(Cli.SERVER_ERROR);
    assertThat(down.err()).contains("cannot reach Barge");

    RunCommandTest.Result badWindow = barge("submit", input.toString(), "--url", url, "--window", "soon");
    assertThat(badWindow.exit()).isEqualTo(Cli.SERVER_ERROR);
    assertThat(badWindow.err()).contains("completion_window");
  }
}
