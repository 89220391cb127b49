package dev.barge.cli;

/** Exit codes every command keeps to, and how a command tells the user it cannot go on. */
final class Cli {
  /** Some lines failed, the batch did not complete, or (validate) the file would fail validation. */
  static final int SOME_FAILED = 1;
  /** Bad arguments or input file (picocli uses 2 for bad arguments too). */
  static final int BAD_INPUT = 2;
  /** A configuration Barge refuses. */
  static final int CONFIG_ERROR = 3;
  /** The server refused the request or could not be reached. */
  static final int SERVER_ERROR = 4;

  private Cli() {}

  /** A command cannot go on: the message is printed as {@code barge: <message>} and the command exits with the code. */
  static final class Failure extends RuntimeException {
    final int exitCode;

    Failure(String message, int exitCode) {
      super(message);
      this.exitCode = exitCode;
    }
  }

  static Failure badInput(String message) {
    return new Failure(message, BAD_INPUT);
  }
}
