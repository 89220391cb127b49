package dev.barge.cli;

import dev.barge.batch.InvalidRequestException;
import dev.barge.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code barge} command. */
@Command(
    name = "barge",
    mixinStandardHelpOptions = true,
    version = "barge 0.1.0",
    description = "Self-hosted batch processing server for LLM APIs.",
    subcommands = {
        // the batch workflow, in the order a batch goes through it
        PrepCommand.class, ValidateCommand.class, RunCommand.class, ResultsCommand.class, RetryCommand.class,
        EvalCommand.class, ApplyCommand.class,
        // the same against a server
        SubmitCommand.class, StatusCommand.class, ListCommand.class, CancelCommand.class,
        ServeCommand.class, MockUpstreamCommand.class})
public final class Main {
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main()).setExecutionExceptionHandler((e, cmd, parsed) -> {
      // A user's mistake or an unreachable server: say what is wrong, no stack trace.
      int code = switch (e) {
        case ConfigException c -> Cli.CONFIG_ERROR;
        case Cli.Failure f -> f.exitCode;
        case ApiClient.ApiError a -> Cli.SERVER_ERROR;
        case InvalidRequestException i -> Cli.BAD_INPUT;
        default -> throw e;
      };
      cmd.getErr().println("barge: " + e.getMessage());
      cmd.getErr().flush();
      return code;
    });
  }
}
