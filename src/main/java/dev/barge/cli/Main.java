package dev.barge.cli;

import dev.barge.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code barge} command. */
@Command(
    name = "barge",
    mixinStandardHelpOptions = true,
    version = "barge 0.1.0",
    description = "Self-hosted batch processing server for LLM APIs.",
    subcommands = {RunCommand.class, ValidateCommand.class, ServeCommand.class, MockUpstreamCommand.class})
public final class Main {
  /** Exit code for a configuration Barge refuses to start with. */
  static final int CONFIG_ERROR = 3;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main()).setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof ConfigException) {
        // A user's mistake: say what is wrong, no stack trace.
        cmd.getErr().println("barge: " + e.getMessage());
        return CONFIG_ERROR;
      }
      throw e;
    });
  }
}
