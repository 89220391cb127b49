package dev.barge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code barge status ID}: where a batch on a server stands. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show where a batch on a Barge server stands.",
    footer = """

        Examples:
          barge status batch_abc123
          barge status batch_abc123 --json | jq .request_counts

        Exit codes: 0 shown; 4 the server refused (e.g. no such batch) or could not be reached.""")
final class StatusCommand implements Callable<Integer> {
  @Mixin OneBatchOptions batch;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return batch.server.show(spec, batch.json, api -> api.get(batch.path()), StatusCommand::print);
  }

  private static void print(PrintWriter out, JsonNode batch) {
    BatchView b = BatchView.of(batch);
    out.println(b.id() + "  " + new Progress(out, false).line(b));
    out.println("created " + Instant.ofEpochSecond(b.createdAt()) + " · " + batch.path("endpoint").asText()
        + " · " + batch.path("model").asText("-") + " · window " + batch.path("completion_window").asText());
    if (b.outputFileId() != null) out.println("output file: " + b.outputFileId());
    if (b.errorFileId() != null) out.println("error file: " + b.errorFileId());
    for (JsonNode e : batch.path("errors").path("data")) {
      out.println("error: " + (e.path("line").isNull() ? "" : "line " + e.path("line").asInt() + ": ")
          + e.path("code").asText() + ": " + e.path("message").asText());
    }
  }
}
