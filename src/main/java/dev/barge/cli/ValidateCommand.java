package dev.barge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.api.Wire;
import dev.barge.batch.CreateBatch;
import dev.barge.batch.FileService;
import dev.barge.config.ApiKey;
import dev.barge.config.BargeConfig;
import dev.barge.engine.Engine;
import dev.barge.store.FileRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code barge validate}: the server's validation of a batch file, without running it: every bad line
 * with its number and code, token counts, the cost at batch and real-time prices, and, against a server
 * ({@code --url}), when it would finish given that server's limits and queue. It is the API's dry run,
 * on an engine in this process or on the server.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
    description = """
        Check a batch file as the server would, without running it: bad lines, tokens, cost at batch \
        and real-time prices, and with --url when it would finish on that server.""",
    footer = """

        Examples:
          barge validate prompts.jsonl                        # offline, the embedded default's rules
          barge validate prompts.jsonl --config barge.yaml    # offline, with your backends and prices
          barge validate prompts.jsonl --url http://gpu-box:8080/v1 --json

        Exit codes: 0 valid; 1 the batch would fail validation; 2 bad arguments or input file; \
        3 bad configuration; 4 the server could not be asked.""")
final class ValidateCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
      .withZone(ZoneOffset.UTC);

  @Mixin BatchFileOptions batchFile;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration for an offline check"
      + " (backends, prices, quotas); default: the embedded default.")
  Path config;

  @Option(names = "--window", paramLabel = "DURATION", defaultValue = "24h",
      description = "The completion window to check against (default ${DEFAULT-VALUE}).")
  String window;

  @Option(names = "--url", paramLabel = "URL", description = "Ask this Barge server instead (its rules, limits and queue).")
  String url;

  @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:BARGE_API_KEY}",
      description = "API key for --url (default: $BARGE_API_KEY).")
  String apiKey;

  @Option(names = "--json", description = "Print the report as the API's dry-run JSON object.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    String batchEndpoint = batchFile.endpoint();
    JsonNode report = url != null ? askServer(batchEndpoint) : checkHere(batchEndpoint);
    if (json) out.println(report);
    else print(out, report);
    out.flush();
    return report.path("valid").asBoolean() ? 0 : Cli.SOME_FAILED;
  }

  /** The dry run on an engine in this process, its data in a directory deleted afterwards. */
  private JsonNode checkHere(String batchEndpoint) throws IOException {
    System.setProperty("barge.log.level", System.getProperty("barge.log.level", "WARN"));
    Path data = Files.createTempDirectory("barge-validate");
    BargeConfig cfg = InputFiles.localConfig(config, data);
    try (Engine engine = Engine.start(cfg, Clock.systemUTC())) {
      String project = ApiKey.DEFAULT_PROJECT;
      FileRecord file;
      try (InputStream in = Files.newInputStream(batchFile.input)) {
        file = engine.files().upload(project, batchFile.input.getFileName().toString(), FileService.PURPOSE_BATCH, in, null);
      }
      CreateBatch request = new CreateBatch(file.id(), batchEndpoint, window, null, null, null, List.of(), null, null, null);
      return Wire.dryRun(request, engine.batches().dryRun(project, request));
    } finally {
      RunCommand.deleteRecursively(data);
    }
  }

  /** The server's dry run; the uploaded copy is deleted again. */
  private JsonNode askServer(String batchEndpoint) {
    try (ApiClient api = new ApiClient(url, apiKey)) {
      String fileId = api.upload(batchFile.input);
      try {
        ObjectNode body = JSON.createObjectNode().put("input_file_id", fileId).put("endpoint", batchEndpoint)
            .put("completion_window", window).put("dry_run", true);
        return api.post("/batches", body);
      } finally {
        api.delete("/files/" + ApiClient.segment(fileId));
      }
    }
  }

  private static void print(PrintWriter out, JsonNode r) {
    int requests = r.at("/request_counts/total").asInt();
    if (!r.path("valid").asBoolean()) {
      JsonNode errors = r.at("/errors/data");
      out.printf("invalid: %d problem%s in %d request lines%n", errors.size(), errors.size() == 1 ? "" : "s", requests);
      for (JsonNode e : errors) {
        out.println((e.path("line").isNull() ? "file" : "line " + e.path("line").asInt()) + ": "
            + e.path("code").asText() + (e.path("param").isNull() ? "" : " (" + e.path("param").asText() + ")")
            + ": " + e.path("message").asText());
      }
      return;
    }
    out.printf("valid: %d requests on %s for %s%n", requests, r.path("endpoint").asText(), r.path("model").asText());
    out.printf("tokens: %,d prompt, up to %,d output (%,d counted against enqueued-token quotas)%n",
        r.at("/tokens/prompt").asLong(), r.at("/tokens/max_output").asLong(), r.at("/tokens/enqueued").asLong());
    if (r.path("cost").isNull()) {
      out.println("cost: the model has no price in the price table");
    } else {
      out.printf("cost: at most $%s at batch price, $%s real-time (saves $%s)%n", r.at("/cost/batch").asText(),
          r.at("/cost/real_time").asText(), r.at("/cost/saved").asText());
    }
    if (r.path("estimated_completion_at").isNull()) {
      out.println("finish: no requests or tokens per minute configured to estimate from");
    } else {
      out.printf("finish: about %s, %s its %s window%n",
          WHEN.format(Instant.ofEpochSecond(r.path("estimated_completion_at").asLong())),
          r.path("fits_before_expiry").asBoolean() ? "inside" : "NOT inside", r.path("completion_window").asText());
    }
  }
}
