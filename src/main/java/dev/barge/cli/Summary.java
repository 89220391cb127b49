package dev.barge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/** The end of a batch as the CLI tells it: waiting for it with a progress line, then a summary. */
final class Summary {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long POLL_MS = 200;

  private Summary() {}

  /** Polls {@code latest} with a progress line on {@code err} until the batch ends; returns it as it ended. */
  static BatchView await(Supplier<BatchView> latest, PrintWriter err, boolean terminal) throws InterruptedException {
    Progress progress = new Progress(err, terminal);
    BatchView b = latest.get();
    while (!b.ended()) {
      progress.update(b, System.currentTimeMillis());
      Thread.sleep(POLL_MS);
      b = latest.get();
    }
    progress.finish(b);
    return b;
  }

  /** The summary: counts, time, tokens, cost, the batch's errors, where the results are. */
  static void print(PrintWriter out, BatchView b, Duration took, Path outputFile, Path errorsFile, boolean json) {
    if (json) {
      ObjectNode o = JSON.createObjectNode();
      o.put("batch_id", b.id()).put("status", b.status()).put("total", b.total()).put("completed", b.completed())
          .put("failed", b.failed()).put("seconds", took.toMillis() / 1000.0).put("input_tokens", b.inputTokens())
          .put("output_tokens", b.outputTokens()).put("cost", b.cost()).put("saved", b.saved())
          .put("output", outputFile == null ? null : outputFile.toString())
          .put("errors", errorsFile == null ? null : errorsFile.toString());
      o.set("batch_errors", b.errors());
      out.println(o);
    } else {
      out.printf("%s: %d of %d succeeded, %d failed, in %s%n", b.status(), b.completed(), b.total(), b.failed(),
          Progress.clock(took));
      out.printf("tokens: %,d in, %,d out · cost $%s (saved $%s)%n", b.inputTokens(), b.outputTokens(),
          b.cost().toPlainString(), b.saved().toPlainString());
      if (b.errors() != null) {
        for (JsonNode e : b.errors().path("data")) {
          out.println("error: " + (e.path("line").isNull() ? "" : "line " + e.path("line").asInt() + ": ")
              + e.path("code").asText() + ": " + e.path("message").asText());
        }
      }
      if (outputFile != null) out.println("output: " + outputFile);
      if (errorsFile != null) out.println("errors: " + errorsFile);
    }
    out.flush();
  }
}
