package dev.barge.cli;

import static dev.barge.cli.RunCommandTest.barge;
import static dev.barge.cli.RunCommandTest.chatLines;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI does not lose or damage what the user already has, and says what is wrong without a stack trace. */
class CliSafetyTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SIM = "backends:\n  - {name: sim, type: simulator, models: [sim], simulator: {latency_ms: 1}}\n";

  @TempDir Path dir;

  @Test
  void runAndValidateKeepTheirOwnDatabaseWhateverTheConfigNames() throws Exception {
    // A shared database in the config must not be joined: here it does not even exist.
    Path cfg = Files.writeString(dir.resolve("prod.yaml"), SIM
        + "storage: {database: \"postgresql://nobody:secret@127.0.0.1:1/shared\", blobs: /nonexistent/blobs}\n");
    Path input = Files.write(dir.resolve("p.jsonl"), chatLines(5, "sim"), StandardCharsets.UTF_8);

    assertThat(barge("validate", input.toString(), "--config", cfg.toString()).exit()).isZero();
    RunCommandTest.Result run = barge("run", input.toString(), "--config", cfg.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(Files.readAllLines(dir.resolve("p.output.jsonl"))).hasSize(5);
  }

  @Test
  void aBatchFileIsNeverOverwrittenByItsOwnOutputOrAnEmptyPrep() throws Exception {
    Path rows = Files.writeString(dir.resolve("rows.jsonl"), "{\"q\": \"a\"}\n{\"q\": \"b\"}\n");
    RunCommandTest.Result same = barge("prep", "--jsonl", rows.toString(), "--template", "{{q}}", "--model", "m",
        "-o", rows.toString());
    assertThat(same.exit()).isEqualTo(Cli.BAD_INPUT);
    assertThat(Files.readAllLines(rows)).hasSize(2);

    Path batch = Files.writeString(dir.resolve("batch.jsonl"), "keep me\n");
    RunCommandTest.Result none = barge("prep", "--files", "nothing/*.md", "--root", dir.toString(), "--template",
        "{{content}}", "--model", "m", "-o", batch.toString());
    assertThat(none.exit()).isEqualTo(Cli.BAD_INPUT);
    assertThat(none.err()).contains("no file under").contains("nothing/*.md");
    assertThat(Files.readString(batch)).isEqualTo("keep me\n");

    Path input = Files.write(dir.resolve("q.output.jsonl"), chatLines(2, "sim"), StandardCharsets.UTF_8);
    RunCommandTest.Result run = barge("run", input.toString());
    assertThat(run.exit()).isEqualTo(Cli.BAD_INPUT);
    assertThat(run.err()).contains("is also an input");
  }

  @Test
  void aSuccessStandsOverAStaleFailureInAnOldErrorFile() throws Exception {
    Path input = Files.write(dir.resolve("p.jsonl"), chatLines(3, "sim"), StandardCharsets.UTF_8);
    Path cfg = Files.writeString(dir.resolve("c.yaml"), SIM);
    assertThat(barge("run", input.toString(), "--config", cfg.toString()).exit()).isZero();
    ObjectNode stale = JSON.createObjectNode().put("id", "x").put("custom_id", "q-1").putNull("response");
    stale.putObject("error").put("code", "batch_expired").put("message", "old");
    Files.writeString(dir.resolve("p.errors.jsonl"), stale + "\n");

    RunCommandTest.Result results = barge("results", dir.resolve("p.output.jsonl").toString(), "--input", input.toString());
    assertThat(results.exit()).isZero();
    assertThat(results.err()).contains("3 lines: 3 succeeded, 0 failed");
  }

  @Test
  void applyRefusesCutOffAnswersAndPathsThatLeaveTheRoot() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("x.txt"), "outside\n");
    Files.createSymbolicLink(root.resolve("link"), outside);
    Files.writeString(root.resolve("a.txt"), "first\n");
    String shaA = RunState.sha256(root.resolve("a.txt"));
    String shaX = RunState.sha256(outside.resolve("x.txt"));
    Path input = Files.write(dir.resolve("f.jsonl"), List.of(
        prepLine("a", "{\"path\": \"a.txt\", \"sha256\": \"" + shaA + "\"}"),
        prepLine("x", "{\"path\": \"link/x.txt\", \"sha256\": \"" + shaX + "\"}")), StandardCharsets.UTF_8);
    Path output = Files.write(dir.resolve("f.output.jsonl"), List.of(answer("a", "fir", "length"),
        answer("x", "PWNED\n", "stop")), StandardCharsets.UTF_8);

    RunCommandTest.Result apply = barge("apply", output.toString(), "--input", input.toString(), "--root", root.toString());

    assertThat(apply.exit()).isEqualTo(Cli.SOME_FAILED);
    assertThat(apply.err()).contains("refused a.txt: line 1's answer was cut off (length)")
        .contains("refused link/x.txt: outside");
    assertThat(Files.readString(root.resolve("a.txt"))).isEqualTo("first\n");
    assertThat(Files.readString(outside.resolve("x.txt"))).isEqualTo("outside\n");
  }

  private static String prepLine(String customId, String metadata) {
    return "{\"custom_id\": \"" + customId + "\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", \"body\": {},"
        + " \"metadata\": " + metadata + "}";
  }

  @Test
  void applyRefusesHiddenPathsWhateverTheInputSays() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Files.createDirectories(root.resolve(".git"));
    Files.createDirectories(root.resolve("app"));
    Files.writeString(root.resolve(".git/config"), "[core]\n");
    Files.writeString(root.resolve("app/.env"), "KEY=1\n");
    Path input = Files.write(dir.resolve("h.jsonl"), List.of(
        prepLine("g", "{\"path\": \".git/config\", \"sha256\": \"" + RunState.sha256(root.resolve(".git/config")) + "\"}"),
        prepLine("e", "{\"path\": \"app/.env\", \"sha256\": \"" + RunState.sha256(root.resolve("app/.env")) + "\"}")),
        StandardCharsets.UTF_8);
    Path output = Files.write(dir.resolve("h.output.jsonl"), List.of(answer("g", "[core]\nhooksPath = /tmp/evil\n", "stop"),
        answer("e", "KEY=stolen\n", "stop")), StandardCharsets.UTF_8);

    RunCommandTest.Result apply = barge("apply", output.toString(), "--input", input.toString(), "--root", root.toString());

    assertThat(apply.exit()).isEqualTo(Cli.SOME_FAILED);
    assertThat(apply.err()).contains("refused .git/config: a hidden file or directory (a name starting with '.')")
        .contains("refused app/.env: a hidden file or directory");
    assertThat(Files.readString(root.resolve(".git/config"))).isEqualTo("[core]\n");
    assertThat(Files.readString(root.resolve("app/.env"))).isEqualTo("KEY=1\n");
  }

  @Test
  void applyRefusesAPartNumberOutsideTheFilesPartsNamingIt() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Files.writeString(root.resolve("a.txt"), "first\nsecond\n");
    String sha = RunState.sha256(root.resolve("a.txt"));
    Path input = Files.write(dir.resolve("p.jsonl"), List.of(
        prepLine("a#1", "{\"path\": \"a.txt\", \"sha256\": \"" + sha + "\", \"part\": 1, \"parts\": 2}"),
        prepLine("a#5", "{\"path\": \"a.txt\", \"sha256\": \"" + sha + "\", \"part\": 5, \"parts\": 2}")),
        StandardCharsets.UTF_8);
    Path output = Files.write(dir.resolve("p.output.jsonl"), List.of(answer("a#1", "FIRST\n", "stop"),
        answer("a#5", "SECOND\n", "stop")), StandardCharsets.UTF_8);

    RunCommandTest.Result apply = barge("apply", output.toString(), "--input", input.toString(), "--root", root.toString());

    assertThat(apply.exit()).as(apply.err()).isEqualTo(Cli.SOME_FAILED);
    assertThat(apply.err()).contains("refused a.txt: line 2's metadata.part 5 is not a whole number from 1 to 2")
        .doesNotContain("Exception");
    assertThat(Files.readString(root.resolve("a.txt"))).isEqualTo("first\nsecond\n");
  }

  private static String answer(String customId, String text, String finishReason) {
    ObjectNode result = JSON.createObjectNode().put("id", "r").put("custom_id", customId);
    ObjectNode choice = result.putObject("response").put("status_code", 200).putObject("body").putArray("choices")
        .addObject().put("finish_reason", finishReason);
    choice.putObject("message").put("content", text);
    result.putNull("error");
    return result.toString();
  }

  @Test
  void badFilesAndIdsAreNamedWithoutAStackTrace() throws Exception {
    Path input = Files.write(dir.resolve("p.jsonl"), chatLines(2, "sim"), StandardCharsets.UTF_8);
    Path notResults = Files.writeString(dir.resolve("bad.jsonl"), "this is not JSON\n");
    RunCommandTest.Result results = barge("results", notResults.toString(), "--input", input.toString());
    assertThat(results.exit()).isEqualTo(Cli.BAD_INPUT);
    assertThat(results.err()).contains("bad.jsonl line 1: not a result line").doesNotContain("\tat ");

    Path latin1 = Files.write(dir.resolve("l.jsonl"), "{\"q\": \"caf\u00e9\"}\n".getBytes(StandardCharsets.ISO_8859_1));
    RunCommandTest.Result prep = barge("prep", "--jsonl", latin1.toString(), "--template", "{{q}}", "--model", "m",
        "-o", dir.resolve("o.jsonl").toString());
    assertThat(prep.exit()).isEqualTo(Cli.BAD_INPUT);
    assertThat(prep.err()).contains("not UTF-8").doesNotContain("\tat ");

    RunCommandTest.Result status = barge("status", "batch with a space", "--url", "http://127.0.0.1:9/v1");
    assertThat(status.exit()).isEqualTo(Cli.SERVER_ERROR);
    assertThat(status.err()).doesNotContain("\tat ");
  }
}
