package dev.barge.cli;

import static dev.barge.cli.RunCommandTest.barge;
import static dev.barge.cli.RunCommandTest.chatLines;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code barge results} on the files of a run: rows in input order, texts, tokens, costs, errors. */
class ResultsCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONFIG = """
      backends:
        - {name: sim, type: simulator, models: [sim], simulator: {latency_ms: 1, error_rate: 0.3, seed: 7}}
      pricing:
        sim: {input_per_million: 2.50, output_per_million: 10.00}
      batch: {max_attempts: 1}
      """;

  @TempDir Path dir;

  private static List<JsonNode> rows(String jsonl) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : jsonl.split("\n")) if (!line.isBlank()) out.add(JSON.readTree(line));
    return out;
  }

  @Test
  void rowsFollowTheInputOrderWithTextTokensCostAndErrors() throws Exception {
    Path input = Files.write(dir.resolve("p.jsonl"), chatLines(40, "sim"), StandardCharsets.UTF_8);
    Path cfg = Files.writeString(dir.resolve("barge.yaml"), CONFIG);
    JsonNode summary = JSON.readTree(barge("run", input.toString(), "--config", cfg.toString(), "--json").out());
    assertThat(summary.get("failed").asInt()).isBetween(1, 39); // some of each, for the join to show

    RunCommandTest.Result r = barge("results", dir.resolve("p.output.jsonl").toString(), "--input", input.toString(),
        "--config", cfg.toString());

    assertThat(r.exit()).isEqualTo(Cli.SOME_FAILED);
    List<JsonNode> rows = rows(r.out());
    assertThat(rows).hasSize(40);
    BigDecimal cost = BigDecimal.ZERO;
    for (int i = 0; i < 40; i++) {
      JsonNode row = rows.get(i);
      assertThat(row.get("line").asInt()).isEqualTo(i + 1);
      assertThat(row.get("custom_id").asText()).isEqualTo("q-" + i);
      if (row.get("status").asText().equals("succeeded")) {
        assertThat(row.get("text").asText()).isNotBlank();
        assertThat(row.get("output_tokens").asLong()).isPositive();
        cost = cost.add(row.get("cost").decimalValue());
      } else {
        assertThat(row.get("status").asText()).isEqualTo("failed");
        assertThat(row.get("status_code").asInt()).isEqualTo(500);
        assertThat(row.get("error").asText()).isNotBlank();
      }
    }
    assertThat(cost).isEqualByComparingTo(summary.get("cost").decimalValue());
    assertThat(r.err()).contains("40 lines: " + summary.get("completed").asInt() + " succeeded");
  }

  @Test
  void csvHasAHeaderAndALinePerInputLineAndMissingResultsAreNamed() throws Exception {
    Path input = Files.write(dir.resolve("p.jsonl"), chatLines(10, "sim"), StandardCharsets.UTF_8);
    Path cfg = Files.writeString(dir.resolve("barge.yaml"), CONFIG.replace("error_rate: 0.3", "error_rate: 0.0"));
    assertThat(barge("run", input.toString(), "--config", cfg.toString()).exit()).isZero();
    List<String> more = new ArrayList<>(Files.readAllLines(input));
    more.addAll(chatLines(12, "sim").subList(10, 12)); // two lines the run never saw
    Path grown = Files.write(dir.resolve("grown.jsonl"), more, StandardCharsets.UTF_8);

    Path csv = dir.resolve("r.csv");
    RunCommandTest.Result r = barge("results", dir.resolve("p.output.jsonl").toString(), "--input", grown.toString(),
        "--format", "csv", "-o", csv.toString());

    assertThat(r.exit()).isEqualTo(Cli.SOME_FAILED);
    List<String> lines = Files.readAllLines(csv);
    assertThat(lines.get(0)).isEqualTo(String.join(",", ResultRow.COLUMNS));
    assertThat(lines).hasSize(13);
    assertThat(lines.get(11)).startsWith("11,q-10,missing");
    assertThat(r.err()).contains("12 lines: 10 succeeded, 0 failed, 2 without a result");
  }

  @Test
  void aLocalOutputFileNeedsItsInput() {
    RunCommandTest.Result r = barge("results", dir.toString());
    assertThat(r.exit()).isEqualTo(Cli.BAD_INPUT);
    assertThat(r.err()).contains("not a batch id");
  }
}
