package dev.barge.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.barge.config.ConfigLoader;
import dev.barge.cost.PriceTable;
import java.io.FilterWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code barge results}: a batch's output and error files joined back to its input lines, in input
 * order, one row per line: custom_id, status, the answer's text (or embedding), tokens, cost, error.
 * From a server by batch id, or from the local files of a {@code run}.
 */
@Command(name = "results", mixinStandardHelpOptions = true,
    description = """
        Join a batch's results to its input lines, in input order: one row per line with custom_id, \
        status, the answer's text (or embedding), tokens, cost and error. Give a batch id (from a server) or \
        the output file of a run (with --input).""",
    footer = """

        Examples:
          barge results batch_abc123 --format csv -o results.csv
          barge results prompts.output.jsonl --input prompts.jsonl            # errors file found beside it
          barge results prompts.output.jsonl --input prompts.jsonl --config barge.yaml   # with costs

        Exit codes: 0 every line succeeded; 1 some lines failed or have no result; 2 bad arguments or files; \
        4 the server refused or could not be reached.""")
final class ResultsCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  enum Format { jsonl, csv }

  @Parameters(index = "0", paramLabel = "BATCH_ID|OUTPUT.jsonl", description = "A batch id, or a local output file.")
  String source;

  @Option(names = "--input", paramLabel = "INPUT.jsonl", description = "With a local output file: the batch's input.")
  Path input;

  @Option(names = "--errors", paramLabel = "ERRORS.jsonl",
      description = "With a local output file: the error file (default: the .errors.jsonl beside the output, if any).")
  Path errors;

  @Option(names = "--format", defaultValue = "jsonl", description = "jsonl or csv (default ${DEFAULT-VALUE}).")
  Format format;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write here instead of to standard output.")
  Path output;

  @Option(names = "--config", paramLabel = "FILE", description = "A configuration whose price table prices each row.")
  Path config;

  @Option(names = "--with-retries", description = "With a batch id: merge in the results of the batches"
      + " 'barge retry' made from it; a success in any of them stands.")
  boolean withRetries;

  @Mixin ServerOptions server;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PriceTable prices = config == null ? null : PriceTable.of(new ConfigLoader(System.getenv()).load(config));
    Path local = Path.of(source);
    if (Files.isRegularFile(local)) {
      if (input == null) throw Cli.badInput("with a local output file, give the batch's input with --input");
      return write(InputFiles.existing(input), InputFiles.resultFiles(local, errors), prices);
    }
    if (!source.startsWith("batch_")) throw Cli.badInput(source + ": no such file, and not a batch id");
    Path work = Files.createTempDirectory("barge-results");
    try (ApiClient api = server.client()) {
      ApiClient.BatchFiles files = api.downloadFiles(api.get("/batches/" + ApiClient.segment(source)), work, "");
      List<Path> results = files.results();
      if (withRetries) results = withRetries(api, files, work);
      return write(files.input(), results, prices);
    } finally {
      RunCommand.deleteRecursively(work);
    }
  }

  /**
   * The batch's result files with those of the batches {@code barge retry} made from it (and from those):
   * every output file before any error file, so a success anywhere stands; then the newest failures.
   */
  private List<Path> withRetries(ApiClient api, ApiClient.BatchFiles original, Path work) {
    List<JsonNode> batches = api.allBatches();
    List<ApiClient.BatchFiles> retries = new ArrayList<>();
    Deque<String> parents = new ArrayDeque<>(List.of(source));
    while (!parents.isEmpty()) {
      String parent = parents.poll();
      for (JsonNode b : batches) {
        if (!parent.equals(b.at("/metadata/retry_of").asText(null))) continue;
        retries.add(api.downloadFiles(b, work, "retry-" + retries.size() + "-"));
        parents.add(b.get("id").asText());
      }
    }
    List<Path> files = new ArrayList<>();
    if (original.output() != null) files.add(original.output());
    retries.stream().map(ApiClient.BatchFiles::output).filter(Objects::nonNull).forEach(files::add);
    retries.reversed().stream().map(ApiClient.BatchFiles::errors).filter(Objects::nonNull).forEach(files::add);
    if (original.errors() != null) files.add(original.errors());
    return files;
  }

  private int write(Path in, List<Path> resultFiles, PriceTable prices) throws IOException {
    ResultJoin.Counts[] counts = new ResultJoin.Counts[1];
    if (output != null) {
      InputFiles.refuseOverwriting(output, resultFiles.toArray(Path[]::new));
      InputFiles.refuseOverwriting(output, in);
      InputFiles.writeAtomically(output, out -> counts[0] = writeRows(out, in, resultFiles, prices));
    } else {
      counts[0] = writeRows(new NonClosing(spec.commandLine().getOut()), in, resultFiles, prices);
    }
    ResultJoin.Counts c = counts[0];
    PrintWriter err = spec.commandLine().getErr();
    err.printf("%d lines: %d succeeded, %d failed, %d without a result%n", c.lines(), c.succeeded(), c.failed(),
        c.missing());
    err.flush();
    return c.succeeded() == c.lines() ? 0 : Cli.SOME_FAILED;
  }

  private ResultJoin.Counts writeRows(Writer out, Path in, List<Path> resultFiles, PriceTable prices)
      throws IOException {
    ResultJoin.Counts counts;
    try (SequenceWriter rows = writer(out)) {
      counts = ResultJoin.join(in, resultFiles, prices, row -> {
        try {
          rows.write(row.fields());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      rows.flush();
      if (format == Format.jsonl && counts.lines() > 0) out.write('\n'); // the separator comes only between rows
    }
    out.flush();
    return counts;
  }

  private SequenceWriter writer(Writer out) throws IOException {
    if (format == Format.csv) {
      CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
      ResultRow.COLUMNS.forEach(schema::addColumn);
      return new CsvMapper().writer(schema.build()).without(JsonGenerator.Feature.AUTO_CLOSE_TARGET).writeValues(out);
    }
    return JSON.writer().withRootValueSeparator("\n").without(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
        .writeValues(out);
  }

  /** Standard output, left open when the writers on it are closed. */
  private static final class NonClosing extends FilterWriter {
    NonClosing(Writer out) {
      super(out);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
