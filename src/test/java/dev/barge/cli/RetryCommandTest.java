package dev.barge.cli;

import static dev.barge.cli.RunCommandTest.barge;
import static dev.barge.cli.RunCommandTest.chatLines;
import static dev.barge.cli.RunCommandTest.customIds;
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
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code barge retry}: only what did not succeed runs again, and the results come together. */
class RetryCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FLAKY = """
      backends:
        - {name: sim, type: simulator, models: [sim], simulator: {latency_ms: 1, error_rate: 0.3, seed: 11}}
      batch: {max_attempts: 1}
      """;

  @TempDir Path dir;

  @Test
  void retryingARunSendsOnlyTheFailuresAndMergesTheResults() throws Exception {
    Path input = Files.write(dir.resolve("p.jsonl"), chatLines(40, "sim"), StandardCharsets.UTF_8);
    Path flaky = Files.writeString(dir.resolve("flaky.yaml"), FLAKY);
    JsonNode first = JSON.readTree(barge("run", input.toString(), "--config", flaky.toString(), "--json").out());
    int failed = first.get("failed").asInt();
    assertThat(failed).isBetween(1, 39);
    Path healthy = Files.writeString(dir.resolve("healthy.yaml"), FLAKY.replace("error_rate: 0.3", "error_rate: 0.0"));

    RunCommandTest.Result r = barge("retry", input.toString(), "--config", healthy.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).contains("running the " + failed + " lines");
    assertThat(r.out()).contains(failed + " of " + failed + " succeeded");
    Path output = dir.resolve("p.output.jsonl");
    assertThat(Files.readAllLines(output)).hasSize(40);
    assertThat(customIds(output)).hasSize(40);
    assertThat(dir.resolve("p.errors.jsonl")).doesNotExist();
    assertThat(dir.resolve("p.retry.jsonl")).doesNotExist();
    assertThat(barge("results", output.toString(), "--input", input.toString()).exit()).isZero();

    RunCommandTest.Result rerun = barge("run", input.toString(), "--config", flaky.toString());
    assertThat(rerun.err()).contains("changed since this run wrote it");
    assertThat(customIds(output)).hasSize(40); // the merged successes are still there

    RunCommandTest.Result nothing = barge("retry", input.toString(), "--config", healthy.toString());
    assertThat(nothing.exit()).isZero();
    assertThat(nothing.out()).contains("nothing to retry");
  }

  @Test
  void retryingABatchOnAServerCreatesALinkedBatchOfTheFailedLines() throws Exception {
    BargeConfig cfg = new ConfigLoader(Map.of()).parse(FLAKY, "test").withDataDirectory(dir.resolve("data"))
        .withServer("127.0.0.1", 0);
    try (Engine engine = Engine.start(cfg, Clock.systemUTC()); ApiServer server = ApiServer.start(engine, cfg)) {
      String url = "http://127.0.0.1:" + server.port() + "/v1";
      Path input = Files.write(dir.resolve("q.jsonl"), chatLines(30, "sim"), StandardCharsets.UTF_8);
      JsonNode done = JSON.readTree(barge("submit", input.toString(), "--url", url, "--wait", "--json").out());
      int failed = done.get("failed").asInt();
      assertThat(failed).isPositive();

      RunCommandTest.Result r = barge("retry", done.get("batch_id").asText(), "--url", url);

      assertThat(r.exit()).as(r.err()).isZero();
      String retryId = r.out().strip();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !JSON.readTree(
          barge("status", retryId, "--url", url, "--json").out()).get("status").asText().matches("validating|in_progress|finalizing"));
      JsonNode retry = JSON.readTree(barge("status", retryId, "--url", url, "--json").out());
      assertThat(retry.at("/metadata/retry_of").asText()).isEqualTo(done.get("batch_id").asText());
      assertThat(retry.at("/request_counts/total").asInt()).isEqualTo(failed);

      int rescued = retry.at("/request_counts/completed").asInt();
      RunCommandTest.Result merged = barge("results", done.get("batch_id").asText(), "--url", url, "--with-retries");
      assertThat(merged.err()).contains("30 lines: " + (30 - failed + rescued) + " succeeded");
      assertThat(merged.out().lines().filter(l -> l.contains("\"status\":\"succeeded\""))).hasSize(30 - failed + rescued);
    }
  }
}
