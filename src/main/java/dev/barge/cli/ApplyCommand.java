package dev.barge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import dev.barge.blob.DurableFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code barge apply}: writes the answers of a batch that {@code barge prep --files} built back to the
 * files they came from, in place or as one unified diff. A file whose content changed since {@code prep}
 * (its hash differs from the one recorded) is refused and reported: its answer was made from old text.
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
    description = """
        Write each answer of a batch built by 'barge prep --files' back to its file, in place or as one \
        unified diff (--diff). Files changed since prep are refused and reported, as are lines that failed.""",
    footer = """

        Examples:
          barge apply readmes.output.jsonl --diff > readmes.patch   # review first
          barge apply readmes.output.jsonl                          # then write the files

        Exit codes: 0 every file applied; 1 some were refused (changed since prep) or had no answer; \
        2 bad arguments or files.""")
final class ApplyCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** An answer that is one fenced code block, as models often write a file: the block's text is the file. */
  private static final Pattern FENCED = Pattern.compile("\\A\\s*```[^\\n]*\\n(.*?)\\n?```\\s*\\z", Pattern.DOTALL);

  @Parameters(index = "0", paramLabel = "RESULTS.jsonl", description = "The batch's output file.")
  Path results;

  @Option(names = "--input", paramLabel = "INPUT.jsonl",
      description = "The batch's input, made by prep (default: the results' name without .output).")
  Path input;

  @Option(names = "--root", paramLabel = "DIR", defaultValue = ".",
      description = "The directory prep's paths are relative to (default: here).")
  Path root;

  @Option(names = "--diff", description = "Print one unified diff of every change instead of writing the files.")
  boolean diff;

  @Option(names = "--keep-fences", description = "Write an answer that is one ```fenced``` block as it is"
      + " (by default the block's content is the file).")
  boolean keepFences;

  @Option(names = "--json", description = "Print which files were applied and refused as one JSON object"
      + " (with --diff, the diff still goes to standard output first).")
  boolean json;

  @Spec CommandSpec spec;

  /** The answers for one file, by part (1 when it was not split). */
  private record FileAnswers(String sha256, int parts, Map<Integer, String> texts, List<String> problems) {}

  @Override
  public Integer call() throws Exception {
    Path in = input != null ? input : InputFiles.sibling(results, ".jsonl");
    List<Path> files = InputFiles.resultFiles(results, null);
    Map<String, FileAnswers> byPath = new TreeMap<>();
    ResultJoin.join(InputFiles.existing(in), files, null, (line, row) -> {
      JsonNode meta = line.path("metadata");
      if (!meta.path("path").isTextual() || !meta.path("sha256").isTextual()) return; // not from prep --files
      FileAnswers f = byPath.computeIfAbsent(meta.get("path").asText(), p -> new FileAnswers(
          meta.get("sha256").asText(), meta.path("parts").asInt(1), new LinkedHashMap<>(), new ArrayList<>()));
      String badPart = badPart(meta, f.parts());
      if (badPart != null) {
        f.problems().add("line " + row.line() + "'s " + badPart);
      } else if (row.text() == null) {
        f.problems().add("line " + row.line() + " has no answer (" + row.status() + ")");
      } else if (row.cutOff() != null) {
        f.problems().add("line " + row.line() + "'s answer was cut off (" + row.cutOff() + "); raise --max-tokens");
      } else if (row.text().isBlank()) {
        f.problems().add("line " + row.line() + "'s answer is empty");
      } else {
        f.texts().put(meta.path("part").asInt(1), row.text());
      }
    });
    if (byPath.isEmpty()) throw Cli.badInput(in + ": no line was made by 'barge prep --files' (metadata.path)");
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path base = root.toAbsolutePath().normalize();
    List<String> applied = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    for (var entry : byPath.entrySet()) {
      String path = entry.getKey();
      FileAnswers f = entry.getValue();
      Path file = base.resolve(path).normalize();
      if (hidden(path)) {
        refused.add(path + ": a hidden file or directory (a name starting with '.'), which prep never reads");
      } else if (!file.startsWith(base)) {
        refused.add(path + ": outside " + base);
      } else if (!f.problems().isEmpty() || f.texts().size() < f.parts()) {
        refused.add(path + ": " + (f.problems().isEmpty() ? "some parts have no answer" : String.join("; ", f.problems())));
      } else if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        refused.add(path + ": no longer exists as a regular file");
      } else if (!file.toRealPath().startsWith(base.toRealPath())) {
        refused.add(path + ": outside " + base + " (through a symbolic link)");
      } else {
        String now = Files.readString(file, StandardCharsets.UTF_8);
        String next = newContent(f);
        if (now.equals(next)) {
          applied.add(path); // applied before: nothing to do
        } else if (!RunState.sha256(file).equals(f.sha256())) {
          refused.add(path + ": changed since prep; its answer was made from the old text (prep and run it again)");
        } else {
          if (diff) {
            List<String> old = now.lines().toList();
            UnifiedDiffUtils.generateUnifiedDiff("a/" + path, "b/" + path, old,
                DiffUtils.diff(old, next.lines().toList()), 3).forEach(out::println);
          } else {
            replace(file, next);
          }
          applied.add(path);
        }
      }
    }
    if (json) {
      ObjectNode o = JSON.createObjectNode().put("diff", diff);
      applied.forEach(o.putArray("applied")::add);
      refused.forEach(o.putArray("refused")::add);
      out.println(o);
    }
    out.flush();
    if (!json) {
      err.printf("barge: %s %d of %d files%n", diff ? "diffed" : "applied", applied.size(), byPath.size());
      for (String r : refused) err.println("barge: refused " + r);
      err.flush();
    }
    return refused.isEmpty() ? 0 : Cli.SOME_FAILED;
  }

  /**
   * What is wrong with a line's {@code metadata.part} and {@code metadata.parts} ({@code 1 <= part <= parts}, as
   * prep writes them, and the same {@code parts} on every line of a file), or null when nothing is.
   */
  private static String badPart(JsonNode meta, int partsOfFile) {
    JsonNode parts = meta.path("parts");
    JsonNode part = meta.path("part");
    if (!parts.isMissingNode() && !wholeNumberFrom1(parts, Integer.MAX_VALUE)) {
      return "metadata.parts " + parts + " is not a whole number of 1 or more";
    }
    if (parts.asInt(1) != partsOfFile) {
      return "metadata.parts " + parts + " differs from the " + partsOfFile + " of the file's first line";
    }
    if (!part.isMissingNode() && !wholeNumberFrom1(part, partsOfFile)) {
      return "metadata.part " + part + " is not a whole number from 1 to " + partsOfFile;
    }
    return null;
  }

  private static boolean wholeNumberFrom1(JsonNode n, int max) {
    return n.isIntegralNumber() && n.canConvertToInt() && n.intValue() >= 1 && n.intValue() <= max;
  }

  /** Whether a name on the path starts with '.': {@code .git/}, {@code .env}, and also {@code ..} or {@code .}. */
  private static boolean hidden(String path) {
    for (Path name : Path.of(path)) {
      if (name.toString().startsWith(".")) return true;
    }
    return false;
  }

  /** Writes the file whole or not at all, keeping its permissions; once written it survives a power loss. */
  private static void replace(Path file, String content) throws IOException {
    Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".barge-apply.tmp");
    try {
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      try {
        Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(file));
      } catch (UnsupportedOperationException notPosix) {
        // nothing to keep on this file system
      }
      DurableFiles.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private String newContent(FileAnswers f) {
    StringBuilder s = new StringBuilder();
    for (int part = 1; part <= f.parts(); part++) s.append(unfenced(f.texts().get(part)));
    return s.toString();
  }

  private String unfenced(String answer) {
    if (keepFences) return answer;
    Matcher m = FENCED.matcher(answer);
    return m.matches() ? m.group(1) + "\n" : answer;
  }
}
