package dev.barge.cli;

import dev.barge.batch.CreateBatch;
import dev.barge.batch.FileService;
import dev.barge.batch.model.BatchRecord;
import dev.barge.config.ApiKey;
import dev.barge.config.BargeConfig;
import dev.barge.engine.Engine;
import dev.barge.store.DatabaseLock;
import dev.barge.store.FileRecord;
import dev.barge.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code barge run}: a batch file run to the end on an engine inside this process, with a live progress
 * line, the results written next to the input, and resume: the engine keeps its data in
 * {@code .barge-run/<input>/} beside the input, so the same command after Ctrl-C or a crash goes on
 * where it stopped.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = """
        Run a batch file (JSONL, one request per line) to the end on an engine in this process: no server \
        needed. Shows progress, writes the output and error files next to the input, and resumes where it \
        stopped when started again after Ctrl-C or a crash.""",
    footer = """

        Examples:
          barge run examples/embeddings.jsonl                 # the local embeddings model, no config
          barge run prompts.jsonl --config barge.yaml         # your backends and prices
          barge run prompts.jsonl -o out/results.jsonl --json # results elsewhere, summary as JSON

        Exit codes: 0 every line succeeded; 1 some lines failed or the batch did not complete; \
        2 bad arguments or input file; 3 bad configuration.""")
final class RunCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "INPUT.jsonl", description = "The batch input: one request per line.")
  Path input;

  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML configuration (backends, prices, limits); default: the embedded default.")
  Path config;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE",
      description = "Where the output file goes (default INPUT.output.jsonl); errors go beside it as .errors.jsonl.")
  Path output;

  @Option(names = "--endpoint", paramLabel = "PATH",
      description = "The batch's endpoint, e.g. /v1/chat/completions (default: the url of the first line).")
  String endpoint;

  @Option(names = "--json", description = "Print the summary as one JSON object instead of text.")
  boolean json;

  @Option(names = "--restart", description = "Start over even if an earlier run of this input exists.")
  boolean restart;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String batchEndpoint = InputFiles.endpoint(InputFiles.existing(input), endpoint);
    InputFiles.ResultPaths paths = InputFiles.resultPaths(input, output);
    Path outputFile = paths.output();
    Path errorsFile = paths.errors();
    System.setProperty("barge.log.level", System.getProperty("barge.log.level", "WARN"));
    Path state = RunState.directoryFor(input);
    BargeConfig cfg = InputFiles.localConfig(config, state);
    String sha = RunState.sha256(input);
    Optional<RunState> previous = RunState.load(state).filter(s -> !restart).filter(s -> {
      if (s.inputSha256().equals(sha)) return true;
      err.println("barge: " + input + " changed since its last run; starting over");
      return false;
    });
    if (previous.isEmpty()) startOver(state, cfg.storage().sqlitePath());
    Files.createDirectories(state);

    Engine engine;
    try {
      engine = Engine.start(cfg, Clock.systemUTC());
    } catch (StoreException e) {
      throw Cli.badInput("the state of an earlier run in " + state + " cannot be read (" + e.getMessage()
          + "); --restart starts over");
    }
    AtomicBoolean closed = new AtomicBoolean();
    Thread onInterrupt = new Thread(() -> {
      if (closed.compareAndSet(false, true)) {
        err.println(System.lineSeparator() + "barge: interrupted; run the same command again to go on where it stopped");
        err.flush();
        engine.close();
      }
    }, "barge-run-interrupted");
    Runtime.getRuntime().addShutdownHook(onInterrupt);
    try {
      String project = ApiKey.DEFAULT_PROJECT;
      Optional<BatchRecord> resumed = previous.flatMap(s -> find(engine, project, s.batchId()));
      RunState run = resumed.isPresent() ? previous.get() : start(engine, project, batchEndpoint, cfg, sha, state);
      if (resumed.isPresent()) err.println("barge: resuming batch " + run.batchId());
      long started = System.currentTimeMillis();
      BatchView ended = Summary.await(() -> BatchView.of(engine.batches().get(project, run.batchId())), err,
          System.console() != null);
      boolean changedSince = run.outputSha256() != null && Files.isRegularFile(outputFile)
          && !RunState.sha256(outputFile).equals(run.outputSha256());
      if (changedSince) {
        err.println("barge: " + outputFile + " changed since this run wrote it (merged by barge retry?); it is left"
            + " as it is; --restart runs the whole batch again");
      } else {
        copy(engine, project, ended.outputFileId(), outputFile);
        copy(engine, project, ended.errorFileId(), errorsFile);
        run.delivered(Files.isRegularFile(outputFile) ? RunState.sha256(outputFile) : "").save(state);
      }
      Summary.print(out, ended, Duration.ofMillis(System.currentTimeMillis() - started),
          Files.isRegularFile(outputFile) ? outputFile : null, Files.isRegularFile(errorsFile) ? errorsFile : null, json);
      return ended.allSucceeded() ? 0 : Cli.SOME_FAILED;
    } finally {
      if (closed.compareAndSet(false, true)) {
        Runtime.getRuntime().removeShutdownHook(onInterrupt);
        engine.close();
      }
    }
  }

  /** Uploads the input and creates its batch, and notes it in the state directory for a resume. */
  private RunState start(Engine engine, String project, String batchEndpoint, BargeConfig cfg, String sha,
      Path state) throws IOException {
    FileRecord file;
    try (InputStream in = Files.newInputStream(input)) {
      file = engine.files().upload(project, input.getFileName().toString(), FileService.PURPOSE_BATCH, in, null);
    }
    // The longest window the engine allows: a local run should finish, not expire.
    BatchRecord batch = engine.batches().create(project, new CreateBatch(file.id(), batchEndpoint,
        cfg.batch().maxCompletionWindow(), null, null, null, List.of(), null, null, null), null);
    RunState run = new RunState(batch.id(), sha, null);
    run.save(state);
    return run;
  }

  private static Optional<BatchRecord> find(Engine engine, String project, String id) {
    try {
      return Optional.of(engine.batches().get(project, id));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Copies a result file of the engine to {@code target} (whole or not at all); false when there is none. */
  private static boolean copy(Engine engine, String project, String fileId, Path target) throws IOException {
    if (fileId == null) {
      Files.deleteIfExists(target); // an older run's file would tell of results that are not these
      return false;
    }
    Files.createDirectories(target.toAbsolutePath().getParent());
    if (Files.isDirectory(target)) throw Cli.badInput(target + " is a directory");
    Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName(), ".tmp");
    try (InputStream in = engine.files().content(project, fileId)) {
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return true;
  }

  /**
   * Deletes an earlier run's state, holding its database's lock meanwhile: never the files of a run of the
   * same input that is still going (that one's lock refuses this one, naming it). The lock file stays, so
   * that every process locks the same file.
   */
  private static void startOver(Path state, Path database) throws IOException {
    try (DatabaseLock held = DatabaseLock.acquire(database)) {
      try (Stream<Path> entries = Files.list(state)) {
        for (Path p : entries.toList()) {
          if (!p.equals(held.file())) deleteRecursively(p);
        }
      }
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
