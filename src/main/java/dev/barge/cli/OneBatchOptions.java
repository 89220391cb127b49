package dev.barge.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The options of a command about one batch on a server: the batch's id, the server, and --json. */
final class OneBatchOptions {
  @Parameters(index = "0", paramLabel = "BATCH_ID") String id;
  @Mixin ServerOptions server;
  @Option(names = "--json", description = "Print the Batch object as JSON.") boolean json;

  /** The batch's path in the API. */
  String path() {
    return "/batches/" + ApiClient.segment(id);
  }
}
