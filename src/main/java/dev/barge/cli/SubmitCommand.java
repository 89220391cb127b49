package dev.barge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code barge submit}: uploads a batch file to a server and creates its batch; {@code --wait} follows it. */
@Command(name = "submit", mixinStandardHelpOptions = true,
    description = """
        Upload a batch file to a Barge server and create its batch. Prints the batch id; with --wait, \
        shows its progress and writes the results next to the input when it ends.""",
    footer = """

        Examples:
          barge submit prompts.jsonl                                # prints batch_...
          barge submit prompts.jsonl --window 72h --max-cost 20 --wait
          BARGE_URL=http://gpu-box:8080/v1 BARGE_API_KEY=... barge submit prompts.jsonl --metadata run=nightly

        Exit codes: 0 created (with --wait: every line succeeded); 1 with --wait, some lines failed or the \
        batch did not complete; 2 bad arguments or input file; 4 the server refused or could not be reached.""")
final class SubmitCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Mixin BatchFileOptions batchFile;

  @Mixin ServerOptions server;

  @Option(names = "--window", paramLabel = "DURATION", defaultValue = "24h",
      description = "Completion window: 24h, or as Barge allows, e.g. 1h, 72h, 7d (default ${DEFAULT-VALUE}).")
  String window;

  @Option(names = "--metadata", paramLabel = "KEY=VALUE", description = "Metadata to attach (up to 16 pairs).")
  Map<String, String> metadata;

  @Option(names = "--priority", paramLabel = "1-100", description = "Weight against the project's other batches.")
  Integer priority;

  @Option(names = "--max-cost", paramLabel = "USD", description = "Budget: dispatch stops before passing it.")
  BigDecimal maxCost;

  @Option(names = "--wait", description = "Follow the batch to its end, then write the results next to the input.")
  boolean await;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE",
      description = "With --wait: where the output file goes (default INPUT.output.jsonl).")
  Path output;

  @Option(names = "--json", description = "Print the Batch object (with --wait: the summary) as JSON.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String batchEndpoint = batchFile.endpoint();
    try (ApiClient api = server.client()) {
      long started = System.currentTimeMillis();
      ObjectNode body = JSON.createObjectNode().put("input_file_id", api.upload(batchFile.input))
          .put("endpoint", batchEndpoint).put("completion_window", window);
      if (metadata != null) metadata.forEach(body.putObject("metadata")::put);
      if (priority != null) body.put("priority", priority);
      if (maxCost != null) body.put("max_cost_usd", maxCost.toPlainString());
      JsonNode batch = api.post("/batches", body);
      String id = batch.get("id").asText();
      if (!await) {
        out.println(json ? batch.toString() : id);
        out.flush();
        return 0;
      }
      err.println("barge: batch " + id);
      BatchView ended = Summary.await(() -> BatchView.of(api.get("/batches/" + ApiClient.segment(id))), err, System.console() != null);
      InputFiles.ResultPaths paths = InputFiles.resultPaths(batchFile.input, output);
      Path outputFile = paths.output();
      Path errorsFile = paths.errors();
      // A file left by an earlier batch of this input would tell of results that are not these.
      if (ended.outputFileId() != null) api.download(ended.outputFileId(), outputFile);
      else Files.deleteIfExists(outputFile);
      if (ended.errorFileId() != null) api.download(ended.errorFileId(), errorsFile);
      else Files.deleteIfExists(errorsFile);
      Summary.print(out, ended, Duration.ofMillis(System.currentTimeMillis() - started),
          ended.outputFileId() != null ? outputFile : null, ended.errorFileId() != null ? errorsFile : null, json);
      return ended.allSucceeded() ? 0 : Cli.SOME_FAILED;
    }
  }
}
