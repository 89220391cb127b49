package dev.barge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code barge list}: the project's batches on a server, newest first. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List your batches on a Barge server, newest first.",
    footer = """

        Examples:
          barge list
          barge list --limit 100 --json | jq -r '.data[].id'

        Exit codes: 0 listed; 4 the server refused or could not be reached.""")
final class ListCommand implements Callable<Integer> {
  @Mixin ServerOptions server;
  @Option(names = "--limit", defaultValue = "20", description = "How many (1 to 100, default ${DEFAULT-VALUE}).") int limit;
  @Option(names = "--after", paramLabel = "BATCH_ID", description = "Start after this batch (the next page).") String after;
  @Option(names = "--json", description = "Print the API's list object as JSON.") boolean json;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return server.show(spec, json,
        api -> api.get("/batches?limit=" + limit + (after == null ? "" : "&after=" + ApiClient.segment(after))),
        ListCommand::print);
  }

  private static void print(PrintWriter out, JsonNode page) {
    for (JsonNode batch : page.path("data")) {
      BatchView b = BatchView.of(batch);
      out.printf("%-32s %-11s %8d/%-8d %6d failed  %s  %s%n", b.id(), b.status(), b.completed() + b.failed(),
          b.total(), b.failed(), Instant.ofEpochSecond(b.createdAt()), batch.path("endpoint").asText());
    }
    if (page.path("has_more").asBoolean()) {
      out.println("more: barge list --after " + page.path("last_id").asText());
    }
  }
}
