package dev.barge.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.RuntimeJsonMappingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.barge.cost.TokenCounter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code barge prep}: a batch file from a prompt template and data: one request per row of a CSV or JSONL
 * file, or one per file matched by a glob (the "audit every file" and "update every README" cases).
 * Requests built from files record the file's path and content hash in {@code metadata}, so
 * {@code barge apply} can write results back and refuse files changed since.
 */
@Command(name = "prep", mixinStandardHelpOptions = true,
    description = """
        Build a batch file from a prompt template and data: one request per row of a CSV or JSONL file, \
        or one per file matched by a glob. Template variables: the row's columns, or {{path}}, {{name}} and \
        {{content}} of a file.""",
    footer = """

        Examples:
          barge prep --csv questions.csv --template 'Answer briefly: {{question}}' --model gpt-x -o batch.jsonl
          barge prep --files 'docs/**/README.md' --template-file rewrite.txt --model gpt-x --max-tokens 2000 -o readmes.jsonl
          barge prep --jsonl items.jsonl --template '{{text}}' --endpoint /v1/embeddings --model all-MiniLM-L6-v2 -o embed.jsonl

        Exit codes: 0 written (skipped files are reported); 2 bad arguments, data or template.""")
final class PrepCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  static final class Source {
    @Option(names = "--csv", paramLabel = "FILE", description = "One request per row; the header names the variables.")
    Path csv;

    @Option(names = "--jsonl", paramLabel = "FILE", description = "One request per line (a JSON object of variables).")
    Path jsonl;

    @Option(names = "--files", paramLabel = "GLOB", description = "One request per file matched, e.g. 'src/**/*.java'.")
    String files;
  }

  static final class Prompt {
    @Option(names = "--template", paramLabel = "TEXT", description = "The prompt, with {{variables}}.")
    String text;

    @Option(names = "--template-file", paramLabel = "FILE", description = "The prompt, read from a file.")
    Path file;
  }

  @ArgGroup(exclusive = true, multiplicity = "1") Source source;
  @ArgGroup(exclusive = true, multiplicity = "1") Prompt prompt;

  @Option(names = "--model", required = true, description = "The model every request names.") String model;

  @Option(names = "--endpoint", defaultValue = "/v1/chat/completions", converter = PrepEndpoint.Converter.class,
      description = "/v1/chat/completions (default), /v1/responses, /v1/completions or /v1/embeddings.")
  PrepEndpoint endpoint;

  @Option(names = "--system", paramLabel = "TEXT", description = "A system prompt for chat requests.") String system;

  @Option(names = "--max-tokens", paramLabel = "N", description = "The answer's token limit.") Integer maxTokens;

  @Option(names = "--custom-id", paramLabel = "PATTERN",
      description = "custom_id template (default: row-{{n}} for rows, {{path}} for files).")
  String customId;

  @Option(names = "--expected", paramLabel = "COLUMN",
      description = "Store this column as metadata.expected, for barge eval (exact match).")
  String expected;

  @Option(names = "--root", paramLabel = "DIR", defaultValue = ".", description = "Where --files globs start (default: here).")
  Path root;

  @Option(names = "--max-prompt-tokens", paramLabel = "N", defaultValue = "100000",
      description = "A file whose prompt would be longer than this is skipped or split (default ${DEFAULT-VALUE}).")
  int maxPromptTokens;

  @Option(names = "--split", description = "Split files too large for --max-prompt-tokens into parts instead of"
      + " skipping them.")
  boolean split;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true, description = "The batch file to write.")
  Path output;

  @Option(names = "--json", description = "Print what was written and skipped as one JSON object.") boolean json;

  @Spec CommandSpec spec;

  private final TokenCounter tokens = new TokenCounter(0);

  @Override
  public Integer call() throws IOException {
    Template template = new Template(prompt.text != null ? prompt.text : Files.readString(InputFiles.existing(prompt.file)));
    PrintWriter err = spec.commandLine().getErr();
    InputFiles.refuseOverwriting(output, source.csv, source.jsonl, prompt.file);
    List<String> skipped = new ArrayList<>();
    int[] counts = new int[2]; // requests written, files split
    try {
      // Everything is read and checked before the batch file is replaced: a failure leaves it as it was.
      InputFiles.writeAtomically(output, out -> {
        if (source.files != null) {
          writeFiles(out, template, skipped, counts);
        } else {
          writeRows(out, template, counts);
        }
        if (counts[0] == 0) {
          throw Cli.badInput(source.files != null ? "no file under " + root + " matched " + source.files
              + (skipped.isEmpty() ? "" : " that could be used (" + String.join("; ", skipped) + ")")
              : "the data has no rows");
        }
      });
    } catch (Template.MissingVariable e) {
      throw Cli.badInput(e.getMessage());
    }
    int written = counts[0];
    int splitFiles = counts[1];
    if (json) {
      ObjectNode o = JSON.createObjectNode().put("written", written).put("output", output.toString())
          .put("split_files", splitFiles);
      skipped.forEach(o.putArray("skipped")::add);
      spec.commandLine().getOut().println(o);
      spec.commandLine().getOut().flush();
    } else {
      err.printf("barge: wrote %d requests to %s%s%n", written, output,
          splitFiles > 0 ? " (" + splitFiles + " files split into parts)" : "");
      for (String s : skipped) err.println("barge: skipped " + s);
      err.flush();
    }
    return 0;
  }

  private void writeFiles(Writer out, Template template, List<String> skipped, int[] counts) throws IOException {
    for (Path file : matching(source.files)) {
      String rel = root.relativize(file).toString().replace('\\', '/');
      String content;
      try {
        content = Files.readString(file, StandardCharsets.UTF_8);
      } catch (CharacterCodingException binary) {
        skipped.add(rel + " (not UTF-8 text)");
        continue;
      }
      List<String> parts = fit(template, rel, content);
      if (parts.isEmpty()) {
        skipped.add(rel + " (over " + maxPromptTokens + " prompt tokens; --split splits it)");
        continue;
      }
      if (parts.size() > 1) counts[1]++;
      String sha = RunState.sha256(file);
      for (int k = 0; k < parts.size(); k++) {
        Map<String, String> vars = fileVariables(rel, file, parts.get(k));
        String id = parts.size() == 1 ? idFor(vars, rel) : idFor(vars, rel) + "#part-" + (k + 1);
        ObjectNode meta = JSON.createObjectNode().put("path", rel).put("sha256", sha);
        if (parts.size() > 1) meta.put("part", k + 1).put("parts", parts.size());
        write(out, id, fill(template, vars, rel), meta);
        counts[0]++;
      }
    }
  }

  private void writeRows(Writer out, Template template, int[] counts) throws IOException {
    int n = 0;
    for (Map<String, String> row : rows()) {
      n++;
      Map<String, String> vars = new LinkedHashMap<>(row);
      vars.putIfAbsent("n", Integer.toString(n));
      ObjectNode meta = null;
      if (expected != null) {
        if (!row.containsKey(expected)) throw Cli.badInput("row " + n + " has no column '" + expected + "'");
        meta = JSON.createObjectNode().put("expected", row.get(expected));
      }
      write(out, idFor(vars, "row-" + n), fill(template, vars, "row " + n), meta);
      counts[0]++;
    }
  }

  /** The template filled, or an error naming where the data lacks a variable. */
  private static String fill(Template template, Map<String, String> vars, String where) {
    try {
      return template.fill(vars);
    } catch (Template.MissingVariable e) {
      throw Cli.badInput(where + ": " + e.getMessage());
    }
  }

  private String idFor(Map<String, String> vars, String fallback) {
    return customId == null ? fallback : new Template(customId).fill(vars);
  }

  private static Map<String, String> fileVariables(String rel, Path file, String content) {
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("path", rel);
    vars.put("name", file.getFileName().toString());
    vars.put("content", content);
    return vars;
  }

  /** The file's content whole, or in parts each fitting the prompt budget; empty when it is skipped. */
  private List<String> fit(Template template, String rel, String content) {
    if (promptTokens(template, rel, content) <= maxPromptTokens) return List.of(content);
    if (!split) return List.of();
    long overhead = promptTokens(template, rel, "");
    long budget = maxPromptTokens - overhead;
    if (budget <= 0) return List.of();
    List<String> parts = new ArrayList<>();
    StringBuilder part = new StringBuilder();
    long used = 0;
    for (String line : content.split("(?<=\n)")) {
      long cost = count(line);
      if (cost > budget) return List.of(); // one line alone does not fit: no honest split
      if (used + cost > budget) {
        parts.add(part.toString());
        part.setLength(0);
        used = 0;
      }
      part.append(line);
      used += cost;
    }
    if (part.length() > 0) parts.add(part.toString());
    return parts;
  }

  private long promptTokens(Template template, String rel, String content) {
    String text = template.fill(fileVariables(rel, Path.of(rel), content));
    return count(text) + (system == null ? 0 : count(system));
  }

  private long count(String text) {
    return tokens.estimate(JSON.createObjectNode().put("input", text), false).prompt();
  }

  private void write(Writer out, String id, String text, ObjectNode metadata) throws IOException {
    ObjectNode line = JSON.createObjectNode().put("custom_id", id).put("method", "POST").put("url", endpoint.path());
    ObjectNode body = line.putObject("body").put("model", model);
    endpoint.fill(body, text, system, maxTokens);
    if (metadata != null) line.set("metadata", metadata);
    out.write(line.toString());
    out.write('\n');
  }

  /** The rows of --csv or --jsonl, each a map of variables; a row that cannot be read is named. */
  private List<Map<String, String>> rows() throws IOException {
    List<Map<String, String>> rows = new ArrayList<>();
    if (source.csv != null) {
      try (MappingIterator<Map<String, String>> it = new CsvMapper().readerForMapOf(String.class)
          .with(CsvSchema.emptySchema().withHeader()).readValues(InputFiles.existing(source.csv).toFile())) {
        while (it.hasNext()) rows.add(it.next());
      } catch (RuntimeJsonMappingException | JsonProcessingException e) {
        throw Cli.badInput(source.csv + " row " + (rows.size() + 1) + ": " + firstLine(e.getMessage()));
      } catch (RuntimeException e) {
        // the CSV parser reports bad bytes (a file that is not UTF-8) as a plain RuntimeException
        throw Cli.badInput(source.csv + " row " + (rows.size() + 1) + ": " + firstLine(e.getMessage()));
      }
      return rows;
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(InputFiles.existing(source.jsonl), StandardCharsets.UTF_8);
    } catch (CharacterCodingException e) {
      throw Cli.badInput(source.jsonl + ": not UTF-8 text");
    }
    int n = 0;
    for (String line : lines) {
      n++;
      if (line.isBlank()) continue;
      JsonNode row;
      try {
        row = JSON.readTree(n == 1 ? line.replace("\uFEFF", "") : line);
      } catch (IOException e) {
        throw Cli.badInput(source.jsonl + " line " + n + ": not JSON");
      }
      if (!row.isObject()) throw Cli.badInput(source.jsonl + " line " + n + ": not a JSON object");
      Map<String, String> vars = new LinkedHashMap<>();
      row.properties().forEach(e -> vars.put(e.getKey(), e.getValue().isTextual() ? e.getValue().textValue()
          : e.getValue().toString()));
      rows.add(vars);
    }
    return rows;
  }

  private static String firstLine(String message) {
    return message == null ? "unreadable" : message.lines().findFirst().orElse(message);
  }

  /**
   * Regular files under --root whose path relative to it matches the glob, in path order. {@code **}/
   * also matches no directory at all ({@code docs/**}/{@code *.md} takes {@code docs/a.md}); hidden files
   * and directories, symbolic links and the batch file itself are left out.
   */
  private List<Path> matching(String glob) throws IOException {
    String pattern = glob.startsWith("./") ? glob.substring(2) : glob;
    List<PathMatcher> matchers = new ArrayList<>();
    try {
      matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + pattern));
      if (pattern.contains("**/")) matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + pattern.replace("**/", "")));
    } catch (PatternSyntaxException e) {
      throw Cli.badInput("--files " + glob + ": not a glob: " + e.getDescription());
    }
    Path base = root.toAbsolutePath().normalize();
    if (!Files.isDirectory(base)) throw Cli.badInput("--root " + root + ": no such directory");
    root = base;
    Path batchFile = output.toAbsolutePath().normalize();
    try (Stream<Path> all = Files.walk(base)) {
      return all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
          .filter(p -> !p.equals(batchFile))
          .map(base::relativize)
          .filter(rel -> StreamSupport.stream(rel.spliterator(), false).noneMatch(part -> part.toString().startsWith(".")))
          .filter(rel -> matchers.stream().anyMatch(m -> m.matches(rel)))
          .map(base::resolve)
          .sorted().toList();
    }
  }
}
