package dev.barge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code barge retry}: only the lines of a batch that did not succeed (failed, expired, cancelled, or
 * without a result), again. On a server: a new batch linked to the original ({@code metadata.retry_of}).
 * On the files of a {@code run}: runs them and merges, so the output file then holds every success and
 * the error file only what still fails.
 */
@Command(name = "retry", mixinStandardHelpOptions = true,
    description = """
        Run again only the lines of a batch that did not succeed. With a batch id: a new batch on the \
        server, linked to the original by metadata.retry_of. With the input of a run: runs those lines and \
        merges the results into the run's output and error files.""",
    footer = """

        Examples:
          barge retry prompts.jsonl --config barge.yaml     # after barge run prompts.jsonl
          barge retry batch_abc123 --window 24h             # prints the new batch's id

        Exit codes: 0 nothing left failing (or the new batch was created); 1 lines still fail; \
        2 bad arguments or files; 3 bad configuration; 4 the server refused or could not be reached.""")
final class RetryCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Parameters(index = "0", paramLabel = "BATCH_ID|INPUT.jsonl", description = "A batch id, or the input file of a run.")
  String source;

  @Option(names = "--config", paramLabel = "FILE", description = "With an input file: the configuration of the run.")
  Path config;

  @Option(names = "--window", paramLabel = "DURATION", defaultValue = "24h",
      description = "With a batch id: the new batch's completion window (default ${DEFAULT-VALUE}).")
  String window;

  @Mixin ServerOptions server;

  @Option(names = "--json", description = "Print the new Batch object (with an input file: the run's summary) as JSON.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Path local = Path.of(source);
    if (Files.isRegularFile(local)) return retryRun(local);
    if (!source.startsWith("batch_")) throw Cli.badInput(source + ": no such file, and not a batch id");
    return retryOnServer();
  }

  /** Input lines (their numbers) whose result, in these files, is not a success. */
  private static Set<Integer> unfinished(Path input, List<Path> resultFiles) throws IOException {
    Set<Integer> lines = new HashSet<>();
    ResultJoin.join(input, resultFiles, null, row -> {
      if (!"succeeded".equals(row.status())) lines.add(row.line());
    });
    return lines;
  }

  /** Writes the input lines numbered {@code lines} to {@code target}; returns how many. */
  private static int copyLines(Path input, Set<Integer> lines, Path target) throws IOException {
    int written = 0;
    try (BufferedReader in = Files.newBufferedReader(input, StandardCharsets.UTF_8);
        BufferedWriter out = Files.newBufferedWriter(target, StandardCharsets.UTF_8)) {
      int number = 0;
      for (String line; (line = in.readLine()) != null; ) {
        if (!lines.contains(++number)) continue;
        out.write(line);
        out.newLine();
        written++;
      }
    }
    return written;
  }

  private int retryOnServer() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Path work = Files.createTempDirectory("barge-retry");
    try (ApiClient api = server.client()) {
      JsonNode batch = api.get("/batches/" + ApiClient.segment(source));
      if (!BatchView.of(batch).ended()) {
        throw new Cli.Failure(source + " has not ended yet (" + batch.path("status").asText() + "); retry it once it"
            + " has", Cli.BAD_INPUT);
      }
      ApiClient.BatchFiles files = api.downloadFiles(batch, work, "");
      Path retry = work.resolve(source + ".retry.jsonl");
      int count = copyLines(files.input(), unfinished(files.input(), files.results()), retry);
      if (count == 0) {
        out.println(source + ": every line succeeded; nothing to retry");
        out.flush();
        return 0;
      }
      ObjectNode body = JSON.createObjectNode().put("input_file_id", api.upload(retry))
          .put("endpoint", batch.path("endpoint").asText()).put("completion_window", window);
      body.putObject("metadata").put("retry_of", source);
      JsonNode created = api.post("/batches", body);
      out.println(json ? created.toString() : created.get("id").asText());
      spec.commandLine().getErr().printf("barge: %d lines of %s sent again as %s%n", count, source,
          created.get("id").asText());
      spec.commandLine().getErr().flush();
      out.flush();
      return 0;
    } finally {
      RunCommand.deleteRecursively(work);
    }
  }

  private int retryRun(Path input) throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    Path output = InputFiles.sibling(input, ".output.jsonl");
    Path errors = InputFiles.sibling(input, ".errors.jsonl");
    List<Path> files = new ArrayList<>();
    for (Path f : List.of(output, errors)) if (Files.isRegularFile(f)) files.add(f);
    if (files.isEmpty()) throw Cli.badInput(input + " has no results yet (" + output.getFileName() + "); run it first");
    Path retry = InputFiles.sibling(input, ".retry.jsonl");
    int count = copyLines(input, unfinished(input, files), retry);
    if (count == 0) {
      Files.deleteIfExists(retry);
      spec.commandLine().getOut().println(input + ": every line succeeded; nothing to retry");
      spec.commandLine().getOut().flush();
      return 0;
    }
    err.printf("barge: running the %d lines of %s that did not succeed%n", count, input);
    err.flush();
    List<String> args = new ArrayList<>(List.of(retry.toString()));
    if (config != null) args.addAll(List.of("--config", config.toString()));
    if (json) args.add("--json");
    int exit = new CommandLine(new RunCommand()).setOut(spec.commandLine().getOut()).setErr(err)
        .setExecutionExceptionHandler(spec.commandLine().getExecutionExceptionHandler()).execute(args.toArray(String[]::new));
    Path retryOutput = InputFiles.sibling(retry, ".output.jsonl");
    Path retryErrors = InputFiles.sibling(retry, ".errors.jsonl");
    if (!Files.isRegularFile(retryOutput) && !Files.isRegularFile(retryErrors)) return exit; // it did not finish
    merge(output, errors, retryOutput, retryErrors);
    Files.deleteIfExists(retry);
    RunCommand.deleteRecursively(RunState.directoryFor(retry));
    err.println("barge: merged into " + output + (Files.exists(errors) ? " and " + errors : ""));
    err.flush();
    return exit;
  }

  /**
   * The retry's successes join the output file; its failures replace the error file (every line that
   * had failed was retried, so nothing else in it still stands).
   */
  private static void merge(Path output, Path errors, Path retryOutput, Path retryErrors) throws IOException {
    // The output first, each file replaced whole: if this stops halfway, the successes are in the output,
    // and a success there stands over a stale failure in the error file.
    if (Files.isRegularFile(retryOutput)) {
      InputFiles.writeAtomically(output, out -> {
        for (Path part : List.of(output, retryOutput)) {
          if (!Files.isRegularFile(part)) continue;
          try (BufferedReader in = Files.newBufferedReader(part, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
              if (line.isBlank()) continue;
              out.write(line);
              out.write('\n');
            }
          }
        }
      });
      Files.delete(retryOutput);
    }
    if (Files.isRegularFile(retryErrors)) {
      Files.move(retryErrors, errors, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } else {
      Files.deleteIfExists(errors);
    }
  }
}
