package dev.barge.cli;

import dev.barge.batch.InvalidRequestException;
import dev.barge.config.ConfigException;
import dev.barge.store.DatabaseLock;
import dev.barge.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

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

  /** The message, with the file an I/O error is about (the JDK's messages are often the bare path). */
  private static String describe(Exception e) {
    Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
    return switch (cause) {
      case NoSuchFileException n -> n.getFile() + ": no such file or directory";
      case AccessDeniedException a -> a.getFile() + ": permission denied";
      case CharacterCodingException c -> "a file is not UTF-8 text" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
      case FileSystemException f -> f.getFile() + ": " + f.getReason();
      default -> String.valueOf(e.getMessage());
    };
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main()).setExecutionExceptionHandler((e, cmd, parsed) -> {
      // A user's mistake or an unreachable server: say what is wrong, no stack trace.
      int code = switch (e) {
        case ConfigException c -> Cli.CONFIG_ERROR;
        case Cli.Failure f -> f.exitCode;
        case ApiClient.ApiError a -> Cli.SERVER_ERROR;
        case InvalidRequestException i -> Cli.BAD_INPUT;
        // Files that cannot be read or written, or are not what they should be: the user's to fix.
        case IOException x -> Cli.BAD_INPUT;
        case UncheckedIOException x -> Cli.BAD_INPUT;
        case StoreException x -> Cli.BAD_INPUT;
        case DatabaseLock.InUseException x -> Cli.BAD_INPUT;
        case IllegalArgumentException x -> Cli.BAD_INPUT;
        default -> throw e;
      };
      if (System.getenv("BARGE_DEBUG") != null) e.printStackTrace(cmd.getErr());
      cmd.getErr().println("barge: " + describe(e));
      cmd.getErr().flush();
      return code;
    });
  }
}
