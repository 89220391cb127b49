package dev.barge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.config.SimulatorConfig;
import dev.barge.store.DatabaseLock;
import dev.barge.upstream.simulator.SimulatorServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code barge run} through the real entry point: results beside the input, a summary, and resume. */
class RunCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** Output of one invocation. */
  record Result(int exit, String out, String err) {}

  static Result barge(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  static List<String> chatLines(int count, String model) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ObjectNode line = JSON.createObjectNode().put("custom_id", "q-" + i).put("method", "POST")
          .put("url", "/v1/chat/completions");
      ObjectNode body = line.putObject("body").put("model", model);
      body.putArray("messages").addObject().put("role", "user").put("content", "Tell me about " + i);
      out.add(line.toString());
    }
    return out;
  }

  private Path config(String backendYaml) throws IOException {
    return Files.writeString(dir.resolve("barge.yaml"), "backends:\n" + backendYaml);
  }

  private static long sent(SimulatorServer upstream) {
    return upstream.answersByStatus().values().stream().mapToLong(Long::longValue).sum();
  }

  /** The custom_ids of the lines of a JSONL file (an input, output or error file). */
  static Set<String> customIds(Path jsonl) throws IOException {
    Set<String> ids = new HashSet<>();
    for (String line : Files.readAllLines(jsonl)) ids.add(JSON.readTree(line).get("custom_id").asText());
    return ids;
  }

  @Test
  void runWritesTheResultsBesideTheInputAndSummarizes() throws Exception {
    Path input = Files.write(dir.resolve("prompts.jsonl"), chatLines(40, "sim"), StandardCharsets.UTF_8);
    Path cfg = config("  - {name: sim, type: simulator, models: [sim], simulator: {latency_ms: 1, error_rate: 0.0}}\n");

    Result r = barge("run", input.toString(), "--config", cfg.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("completed: 40 of 40 succeeded, 0 failed").contains("prompts.output.jsonl");
    assertThat(customIds(dir.resolve("prompts.output.jsonl"))).hasSize(40);
    assertThat(dir.resolve("prompts.errors.jsonl")).doesNotExist();
    assertThat(r.err()).contains("[########################] 40/40");
  }

  @Test
  void theReadmeMainJobRunsTheEmbeddingsExampleOnTheEmbeddedDefault() throws Exception {
    Path input = Files.copy(Path.of("examples/embeddings.jsonl"), dir.resolve("embeddings.jsonl"));

    Result r = barge("run", input.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("completed: 50 of 50 succeeded");
    assertThat(customIds(dir.resolve("embeddings.output.jsonl"))).hasSize(50);
    Result again = barge("run", input.toString());
    assertThat(again.err()).contains("resuming batch"); // already done: the results are written again
    assertThat(again.exit()).isZero();
  }

  @Test
  void failedLinesGoToTheErrorsFileAndTheExitCodeSaysSo() throws Exception {
    Path input = Files.write(dir.resolve("p.jsonl"), chatLines(30, "sim"), StandardCharsets.UTF_8);
    // Every answer a 500, one attempt: all lines fail.
    Path cfg = Files.writeString(dir.resolve("barge.yaml"), "backends:\n"
        + "  - {name: sim, type: simulator, models: [sim], simulator: {error_rate: 1.0}}\n"
        + "batch: {max_attempts: 1}\n");

    Result r = barge("run", input.toString(), "--config", cfg.toString(), "-o", dir.resolve("out/r.jsonl").toString(),
        "--json");

    assertThat(r.exit()).isEqualTo(Cli.SOME_FAILED);
    JsonNode summary = JSON.readTree(r.out());
    assertThat(summary.get("failed").asInt()).isEqualTo(30);
    assertThat(summary.get("output").isNull()).isTrue();
    assertThat(Path.of(summary.get("errors").asText())).isEqualTo(dir.resolve("out/r.errors.jsonl").toAbsolutePath());
    assertThat(customIds(dir.resolve("out/r.errors.jsonl"))).hasSize(30);
  }

  @Test
  void badInputIsNamedWithExitCode2() throws Exception {
    Result missing = barge("run", dir.resolve("nope.jsonl").toString());
    assertThat(missing.exit()).isEqualTo(Cli.BAD_INPUT);
    assertThat(missing.err()).contains("nope.jsonl: no such file");

    Path noUrl = Files.writeString(dir.resolve("x.jsonl"), "{\"custom_id\": \"a\"}\n");
    Result unknown = barge("run", noUrl.toString());
    assertThat(unknown.exit()).isEqualTo(Cli.BAD_INPUT);
    assertThat(unknown.err()).contains("--endpoint");
  }

  @Test
  void aKilledRunResumesWhereItStoppedInsteadOfStartingOver() throws Exception {
    int lines = 300;
    Path input = Files.write(dir.resolve("big.jsonl"), chatLines(lines, "sim-chat"), StandardCharsets.UTF_8);
    try (SimulatorServer upstream = SimulatorServer.start("127.0.0.1", 0,
        new SimulatorConfig(40, 0, 0.0, 0.0, null, null, null, 1L), Set.of())) {
      Path cfg = config("  - {name: up, type: openai, base_url: \"" + upstream.baseUrl() + "\", models: [sim-chat],"
          + " limits: {max_concurrency: 4}}\n");
      String java = ProcessHandle.current().info().command().orElse("java");
      Process first = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
          "dev.barge.cli.Main", "run", input.toString(), "--config", cfg.toString()))
          .redirectErrorStream(true).redirectOutput(dir.resolve("first.log").toFile()).start();
      Awaitility.await().atMost(Duration.ofSeconds(60))
          .until(() -> sent(upstream) >= 60 || !first.isAlive());
      assertThat(first.isAlive()).as("still running when killed").isTrue();
      first.destroyForcibly().waitFor();
      long sentBeforeKill = sent(upstream);
      assertThat(sentBeforeKill).isLessThan(lines);

      Result again = barge("run", input.toString(), "--config", cfg.toString());

      assertThat(again.exit()).as(again.err()).isZero();
      assertThat(again.err()).contains("resuming batch");
      assertThat(customIds(dir.resolve("big.output.jsonl"))).hasSize(lines);
      // At least once upstream: only the calls in flight at the kill (at most 4, plus a few whose
      // answers were not yet written) are sent twice; the finished part is not sent again.
      assertThat(sent(upstream)).isBetween((long) lines, lines + 20L);
    }
  }

  @Test
  void aSecondRunOfTheSameInputIsRefusedAndLeavesTheFirstOnesStateAlone() throws Exception {
    Path input = Files.write(dir.resolve("p.jsonl"), chatLines(3, "sim"), StandardCharsets.UTF_8);
    Path cfg = config("  - {name: sim, type: simulator, models: [sim], simulator: {latency_ms: 1}}\n");
    Path state = RunState.directoryFor(input);
    // A run of this input that is going on: it holds its database, whose files are in its state directory.
    try (DatabaseLock running = DatabaseLock.acquire(state.resolve("barge.db"))) {
      Path itsDatabase = Files.writeString(state.resolve("barge.db"), "the first run's data");

      Result second = barge("run", input.toString(), "--config", cfg.toString(), "--restart");

      assertThat(second.exit()).isEqualTo(Cli.BAD_INPUT);
      assertThat(second.err()).contains(state + " is in use by another Barge process (pid "
          + ProcessHandle.current().pid() + ")").doesNotContain("--restart starts over");
      assertThat(Files.readString(itsDatabase)).isEqualTo("the first run's data");
    }
  }
}
