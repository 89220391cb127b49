package dev.barge.cli;

import static dev.barge.cli.RunCommandTest.barge;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The edges of prep, eval and apply: bad templates, files too large, every kind of check, split files. */
class PrepEvalApplyTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private List<JsonNode> lines(Path jsonl) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String l : Files.readAllLines(jsonl)) out.add(JSON.readTree(l));
    return out;
  }

  @Test
  void aTemplateVariableTheDataLacksIsNamedAndNothingIsWritten() throws Exception {
    Path csv = Files.writeString(dir.resolve("q.csv"), "question\nWhy?\n");
    Path out = dir.resolve("b.jsonl");
    RunCommandTest.Result r = barge("prep", "--csv", csv.toString(), "--template", "{{question}} {{tone}}",
        "--model", "m", "-o", out.toString());
    assertThat(r.exit()).isEqualTo(Cli.BAD_INPUT);
    assertThat(r.err()).contains("{{tone}}").contains("[question, n]");
    assertThat(out).doesNotExist();
  }

  @Test
  void aFileTooLargeIsSkippedAndReportedOrSplitIntoPartsThatApplyJoinsBack() throws Exception {
    Files.createDirectories(dir.resolve("src"));
    Files.writeString(dir.resolve("src/small.txt"), "one line\n");
    StringBuilder big = new StringBuilder();
    for (int i = 0; i < 200; i++) big.append("line number ").append(i).append(" of a long file\n");
    Files.writeString(dir.resolve("src/big.txt"), big);
    Path out = dir.resolve("b.jsonl");

    RunCommandTest.Result skipped = barge("prep", "--files", "src/*.txt", "--root", dir.toString(), "--template",
        "Fix: {{content}}", "--model", "m", "--max-prompt-tokens", "300", "-o", out.toString(), "--json");
    assertThat(skipped.exit()).isZero();
    JsonNode report = JSON.readTree(skipped.out());
    assertThat(report.get("written").asInt()).isEqualTo(1);
    assertThat(report.at("/skipped/0").asText()).startsWith("src/big.txt (over 300 prompt tokens");
    assertThat(lines(out)).extracting(l -> l.at("/metadata/path").asText()).containsExactly("src/small.txt");

    RunCommandTest.Result split = barge("prep", "--files", "src/*.txt", "--root", dir.toString(), "--template",
        "Fix: {{content}}", "--model", "m", "--max-prompt-tokens", "300", "--split", "-o", out.toString());
    assertThat(split.err()).contains("1 files split into parts");
    List<JsonNode> parts = lines(out).stream().filter(l -> l.at("/metadata/path").asText().equals("src/big.txt")).toList();
    assertThat(parts.size()).isGreaterThan(1);
    assertThat(parts.getFirst().get("custom_id").asText()).isEqualTo("src/big.txt#part-1");

    // Answers that echo each part back: apply joins them into the file as it was.
    List<String> answers = new ArrayList<>();
    for (JsonNode line : lines(out)) {
      String prompt = line.at("/body/messages/0/content").asText();
      ObjectNode result = JSON.createObjectNode().put("id", "r").put("custom_id", line.get("custom_id").asText());
      ObjectNode response = result.putObject("response").put("status_code", 200);
      response.putObject("body").putArray("choices").addObject().putObject("message")
          .put("content", "```\n" + prompt.substring("Fix: ".length()).stripTrailing() + "\n```");
      result.putNull("error");
      answers.add(result.toString());
    }
    Path output = Files.write(dir.resolve("b.output.jsonl"), answers, StandardCharsets.UTF_8);
    RunCommandTest.Result apply = barge("apply", output.toString(), "--root", dir.toString(), "--json");
    assertThat(apply.exit()).as(apply.err()).isZero();
    assertThat(JSON.readTree(apply.out()).get("applied")).hasSize(2);
    assertThat(Files.readString(dir.resolve("src/big.txt"))).isEqualTo(big.toString());
  }

  @Test
  void evalScoresEveryKindOfCheckAndNamesAMalformedOne() throws Exception {
    String[][] cases = {
        {"{\"exact\": \"Paris\"}", " Paris "}, {"{\"contains\": \"blue\"}", "the sky is blue"},
        {"{\"regex\": \"^\\\\d+$\"}", "42"}, {"{\"json_schema\": {\"type\": \"object\", \"required\": [\"a\"]}}", "{\"b\": 1}"},
    };
    List<String> input = new ArrayList<>();
    List<String> output = new ArrayList<>();
    for (int i = 0; i < cases.length; i++) {
      input.add("{\"custom_id\": \"c" + i + "\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", \"body\": {},"
          + " \"metadata\": {\"expected\": " + cases[i][0] + "}}");
      ObjectNode result = JSON.createObjectNode().put("id", "r").put("custom_id", "c" + i);
      result.putObject("response").put("status_code", 200).putObject("body").putArray("choices").addObject()
          .putObject("message").put("content", cases[i][1]);
      result.putNull("error");
      output.add(result.toString());
    }
    Path in = Files.write(dir.resolve("e.jsonl"), input, StandardCharsets.UTF_8);
    Path out = Files.write(dir.resolve("e.output.jsonl"), output, StandardCharsets.UTF_8);

    RunCommandTest.Result r = barge("eval", in.toString(), out.toString(), "--json", "--min-pass", "0.8");

    assertThat(r.exit()).isEqualTo(Cli.SOME_FAILED); // 3 of 4 pass: under 0.8
    JsonNode scores = JSON.readTree(r.out());
    assertThat(scores.get("passed").asInt()).isEqualTo(3);
    assertThat(scores.at("/failures/0/check").asText()).isEqualTo("json_schema");
    assertThat(scores.at("/failures/0/reason").asText()).contains("schema");

    Files.write(in, List.of(input.get(0).replace("{\"exact\": \"Paris\"}", "{\"sounds_like\": \"Paris\"}")));
    RunCommandTest.Result bad = barge("eval", in.toString(), out.toString());
    assertThat(bad.exit()).isEqualTo(Cli.BAD_INPUT);
    assertThat(bad.err()).contains("metadata.expected must be");
  }
}
