package dev.barge.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The batch file of a command that makes a batch of it on a server or here (submit, validate), and its endpoint. */
final class BatchFileOptions {
  @Parameters(index = "0", paramLabel = "INPUT.jsonl", description = "The batch input: one request per line.")
  Path input;

  @Option(names = "--endpoint", paramLabel = "PATH", description = "The batch's endpoint (default: the url of the first line).")
  String endpoint;

  /** The batch's endpoint: {@code --endpoint}, else the url of the input's first line; the input must exist. */
  String endpoint() throws IOException {
    return InputFiles.endpoint(InputFiles.existing(input), endpoint);
  }
}
