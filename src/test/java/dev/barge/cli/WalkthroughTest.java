package dev.barge.cli;

import static dev.barge.cli.RunCommandTest.barge;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's walkthrough, as a new user would go through it on a copy of {@code examples/}: prep →
 * validate → run → results → retry → eval, then prep → run → apply on files, one edited in between.
 */
class WalkthroughTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path copyExamples() throws Exception {
    Path examples = dir.resolve("examples");
    try (Stream<Path> all = Files.walk(Path.of("examples"))) {
      for (Path p : all.filter(Files::isRegularFile).filter(p -> !p.toString().contains(".barge-run")).toList()) {
        Path target = examples.resolve(Path.of("examples").relativize(p).toString());
        Files.createDirectories(target.getParent());
        Files.copy(p, target);
      }
    }
    return examples;
  }

  @Test
  void questionsFromACsvArePreparedCheckedRunJoinedRetriedAndScored() throws Exception {
    Path ex = copyExamples();
    String config = ex.resolve("simulator.yaml").toString();
    String batch = ex.resolve("questions.jsonl").toString();

    RunCommandTest.Result prep = barge("prep", "--csv", ex.resolve("questions.csv").toString(), "--template",
        "Answer in one word: {{question}}", "--custom-id", "{{id}}", "--expected", "answer", "--model",
        "barge-simulator", "--max-tokens", "16", "-o", batch);
    assertThat(prep.exit()).as(prep.err()).isZero();
    assertThat(prep.err()).contains("wrote 8 requests");

    RunCommandTest.Result validate = barge("validate", batch, "--config", config);
    assertThat(validate.exit()).as(validate.err()).isZero();
    assertThat(validate.out()).contains("valid: 8 requests on /v1/chat/completions for barge-simulator");

    RunCommandTest.Result run = barge("run", batch, "--config", config);
    assertThat(run.out()).contains("of 8 succeeded");

    RunCommandTest.Result results = barge("results", ex.resolve("questions.output.jsonl").toString(), "--input", batch,
        "--format", "csv");
    assertThat(results.out().lines().toList()).hasSize(9).anySatisfy(l -> assertThat(l).startsWith("1,capital-fr,"));

    RunCommandTest.Result retry = barge("retry", batch, "--config", config);
    assertThat(retry.exit()).as(retry.err()).isZero();

    RunCommandTest.Result eval = barge("eval", batch, ex.resolve("questions.output.jsonl").toString(), "--json");
    assertThat(eval.exit()).as(eval.err()).isZero();
    JsonNode scores = JSON.readTree(eval.out());
    assertThat(scores.get("total").asInt()).isEqualTo(8);
    assertThat(scores.at("/by_check/exact/total").asInt()).isEqualTo(8);
    // The simulator makes up its answers, so they are scored, and most fail: the table says which.
    assertThat(scores.get("failures").size()).isEqualTo(8 - scores.get("passed").asInt());
    assertThat(barge("eval", batch, ex.resolve("questions.output.jsonl").toString(), "--min-pass", "1").exit())
        .isEqualTo(scores.get("passed").asInt() == 8 ? 0 : Cli.SOME_FAILED);
  }

  @Test
  void filesArePreparedRunAndAppliedAndAFileEditedMeanwhileIsRefused() throws Exception {
    Path ex = copyExamples();
    String config = ex.resolve("simulator.yaml").toString();
    String batch = ex.resolve("docs.jsonl").toString();

    RunCommandTest.Result prep = barge("prep", "--files", "docs/*.md", "--root", ex.toString(), "--template-file",
        ex.resolve("rewrite-readme.txt").toString(), "--model", "barge-simulator", "-o", batch);
    assertThat(prep.exit()).as(prep.err()).isZero();
    List<JsonNode> lines = Files.readAllLines(Path.of(batch)).stream().map(l -> {
      try {
        return JSON.readTree(l);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }).toList();
    assertThat(lines).extracting(l -> l.at("/metadata/path").asText())
        .containsExactly("docs/faq.md", "docs/install.md", "docs/usage.md");

    assertThat(barge("run", batch, "--config", config).exit()).isZero();
    String output = ex.resolve("docs.output.jsonl").toString();
    String installBefore = Files.readString(ex.resolve("docs/install.md"));

    RunCommandTest.Result diff = barge("apply", output, "--root", ex.toString(), "--diff");
    assertThat(diff.exit()).as(diff.err()).isZero();
    assertThat(diff.out()).contains("--- a/docs/install.md").contains("+++ b/docs/usage.md");
    assertThat(Files.readString(ex.resolve("docs/install.md"))).isEqualTo(installBefore); // --diff writes nothing

    Files.writeString(ex.resolve("docs/faq.md"), "# FAQ\n\nEdited by hand after prep.\n");
    RunCommandTest.Result apply = barge("apply", output, "--root", ex.toString());
    assertThat(apply.exit()).isEqualTo(Cli.SOME_FAILED);
    assertThat(apply.err()).contains("applied 2 of 3 files").contains("refused docs/faq.md: changed since prep");
    assertThat(Files.readString(ex.resolve("docs/faq.md"))).contains("Edited by hand");
    assertThat(Files.readString(ex.resolve("docs/install.md"))).isNotEqualTo(installBefore);
  }
}
