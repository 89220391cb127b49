package dev.barge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code barge cancel ID}: stops a batch; what ran is kept, the rest ends as cancelled. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
    description = "Cancel a batch on a Barge server: calls in flight may finish, the rest ends as cancelled, and"
        + " the results so far are kept.",
    footer = {"", "Examples:", "  barge cancel batch_abc123",
        "", "Exit codes: 0 cancelling; 4 the server refused (e.g. the batch already ended) or could not be reached."})
final class CancelCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "BATCH_ID") String id;
  @Mixin ServerOptions server;
  @Option(names = "--json", description = "Print the Batch object as JSON.") boolean json;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (ApiClient api = server.client()) {
      JsonNode batch = api.post("/batches/" + ApiClient.segment(id) + "/cancel", api.emptyObject());
      out.println(json ? batch.toString() : id + " " + batch.path("status").asText());
      out.flush();
      return 0;
    }
  }
}
