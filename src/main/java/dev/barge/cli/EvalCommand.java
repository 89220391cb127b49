package dev.barge.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code barge eval}: scores a batch's answers against the expectations stored with its input lines
 * ({@code metadata.expected}) and prints the pass rate per kind of check and every failure.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = """
        Score a batch's answers against metadata.expected of its input lines (a string for an exact \
        answer, or {"exact"|"contains"|"regex": …} or {"json_schema": {…}}): pass rates per check, and \
        every failure.""",
    footer = """

        Examples:
          barge eval questions.jsonl questions.output.jsonl
          barge eval questions.jsonl questions.output.jsonl --min-pass 0.9 --json

        Exit codes: 0 scored (and at least --min-pass passed); 1 under --min-pass; 2 bad arguments or files, \
        or no line has an expectation.""")
final class EvalCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Parameters(index = "0", paramLabel = "INPUT.jsonl", description = "The batch input, with metadata.expected.")
  Path input;

  @Parameters(index = "1", paramLabel = "RESULTS.jsonl", description = "The batch's output file.")
  Path results;

  @Option(names = "--errors", paramLabel = "ERRORS.jsonl",
      description = "The error file (default: the .errors.jsonl beside the output, if any).")
  Path errors;

  @Option(names = "--min-pass", paramLabel = "RATE", description = "Exit with 1 when less than this share passes (0 to 1).")
  Double minPass;

  @Option(names = "--json", description = "Print the scores as one JSON object.") boolean json;

  @Spec CommandSpec spec;

  /** One line that did not pass. */
  private record Failure(int line, String customId, String check, String reason, String answer) {
    /** The answer, short enough for one line of a table. */
    String shortAnswer() {
      if (answer == null) return "";
      String flat = answer.replaceAll("\\s+", " ").strip();
      return " — answer: \"" + (flat.length() > 80 ? flat.substring(0, 80) + "…" : flat) + "\"";
    }
  }

  @Override
  public Integer call() throws Exception {
    if (minPass != null && (minPass < 0 || minPass > 1)) throw Cli.badInput("--min-pass must be from 0 to 1");
    List<Path> files = InputFiles.resultFiles(results, errors);
    Map<String, int[]> byCheck = new TreeMap<>(); // kind → {passed, total}
    List<Failure> failures = new ArrayList<>();
    ResultJoin.join(InputFiles.existing(input), files, null, (line, row) -> {
      Expectation expected = Expectation.of(line);
      if (expected == null) return;
      int[] score = byCheck.computeIfAbsent(expected.kind(), k -> new int[2]);
      score[1]++;
      String reason = row.text() == null ? "no answer (" + row.status() + (row.error() == null ? "" : ": "
          + row.error()) + ")" : expected.check(row.text());
      if (reason == null) score[0]++;
      else failures.add(new Failure(row.line(), row.customId(), expected.kind(), reason, row.text()));
    });
    int total = byCheck.values().stream().mapToInt(s -> s[1]).sum();
    if (total == 0) throw Cli.badInput(input + ": no line has metadata.expected to score against");
    int passed = total - failures.size();
    double rate = (double) passed / total;
    print(spec.commandLine().getOut(), byCheck, failures, passed, total, rate);
    return minPass != null && rate < minPass ? Cli.SOME_FAILED : 0;
  }

  private void print(PrintWriter out, Map<String, int[]> byCheck, List<Failure> failures, int passed, int total,
      double rate) {
    if (json) {
      ObjectNode o = JSON.createObjectNode().put("passed", passed).put("total", total).put("pass_rate", rate);
      ObjectNode checks = o.putObject("by_check");
      byCheck.forEach((kind, s) -> checks.putObject(kind).put("passed", s[0]).put("total", s[1]));
      ArrayNode list = o.putArray("failures");
      for (Failure f : failures) {
        list.addObject().put("line", f.line()).put("custom_id", f.customId()).put("check", f.check())
            .put("reason", f.reason()).put("answer", f.answer());
      }
      out.println(o);
    } else {
      out.printf("%-12s %7s %7s %7s%n", "check", "passed", "total", "rate");
      byCheck.forEach((kind, s) -> out.printf("%-12s %7d %7d %6.1f%%%n", kind, s[0], s[1], 100.0 * s[0] / s[1]));
      out.printf("%-12s %7d %7d %6.1f%%%n", "all", passed, total, 100.0 * rate);
      if (!failures.isEmpty()) out.println("failures:");
      for (Failure f : failures) {
        out.printf("  line %d %s (%s): %s%s%n", f.line(), f.customId(), f.check(), f.reason(), f.shortAnswer());
      }
    }
    out.flush();
  }
}
