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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code barge validate}: the dry run offline or on a server, as text or JSON, with meaningful exit codes. */
class ValidateCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONFIG = """
      backends:
        - {name: sim, type: simulator, models: [sim], limits: {requests_per_minute: 600}}
      pricing:
        sim: {input_per_million: 2.50, output_per_million: 10.00}
      """;

  @TempDir Path dir;

  @Test
  void aValidFileGetsItsTokensCostAndFinishingTime() throws Exception {
    Path input = Files.write(dir.resolve("in.jsonl"), chatLines(20, "sim"), StandardCharsets.UTF_8);
    Path cfg = Files.writeString(dir.resolve("barge.yaml"), CONFIG);

    RunCommandTest.Result r = barge("validate", input.toString(), "--config", cfg.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("valid: 20 requests on /v1/chat/completions for sim")
        .contains("cost: at most $").contains("real-time").contains("inside its 24h window");
    assertThat(dir.resolve(".barge-run")).doesNotExist(); // nothing kept, nothing run
  }

  @Test
  void aBadFileListsEveryBadLineAndExitsWith1() throws Exception {
    List<String> lines = new ArrayList<>(chatLines(3, "sim"));
    lines.add(lines.get(0)); // line 4 repeats line 1's custom_id
    lines.add("not json");
    Path input = Files.write(dir.resolve("bad.jsonl"), lines, StandardCharsets.UTF_8);
    Path cfg = Files.writeString(dir.resolve("barge.yaml"), CONFIG);

    RunCommandTest.Result r = barge("validate", input.toString(), "--config", cfg.toString());

    assertThat(r.exit()).isEqualTo(Cli.SOME_FAILED);
    assertThat(r.out()).contains("invalid: 2 problems").contains("line 4: duplicate_custom_id")
        .contains("line 5: invalid_json_line");
  }

  @Test
  void withUrlTheServerChecksTheFileAndKeepsNothing() throws Exception {
    BargeConfig cfg = new ConfigLoader(Map.of()).parse(CONFIG, "test").withDataDirectory(dir.resolve("data"))
        .withServer("127.0.0.1", 0);
    try (Engine engine = Engine.start(cfg, Clock.systemUTC()); ApiServer server = ApiServer.start(engine, cfg)) {
      Path input = Files.write(dir.resolve("in.jsonl"), chatLines(10, "sim"), StandardCharsets.UTF_8);
      String url = "http://127.0.0.1:" + server.port() + "/v1";

      RunCommandTest.Result r = barge("validate", input.toString(), "--url", url, "--json");

      assertThat(r.exit()).as(r.err()).isZero();
      JsonNode report = JSON.readTree(r.out());
      assertThat(report.get("object").asText()).isEqualTo("batch.dry_run");
      assertThat(report.at("/request_counts/total").asInt()).isEqualTo(10);
      assertThat(engine.files().list("default", null, null, 10, false).items()).isEmpty();
      assertThat(engine.batches().list("default", null, 10).items()).isEmpty();

      RunCommandTest.Result down = barge("validate", input.toString(), "--url", "http://127.0.0.1:9/v1");
      assertThat(down.exit()).isEqualTo(Cli.SERVER_ERROR);
      assertThat(down.err()).contains("cannot reach Barge");
    }
  }
}
