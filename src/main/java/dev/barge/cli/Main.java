package dev.barge.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code barge} command. */
@Command(
    name = "barge",
    mixinStandardHelpOptions = true,
    version = "barge 0.1.0",
    description = "Self-hosted batch processing server for LLM APIs.",
    subcommands = {ServeCommand.class, MockUpstreamCommand.class})
public final class Main {
  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
