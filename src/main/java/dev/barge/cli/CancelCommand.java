package dev.barge.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code barge cancel ID}: stops a batch; what ran is kept, the rest ends as cancelled. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
    description = """
        Cancel a batch on a Barge server: calls in flight may finish, the rest ends as cancelled, and \
        the results so far are kept.""",
    footer = """

        Examples:
          barge cancel batch_abc123

        Exit codes: 0 cancelling; 4 the server refused (e.g. the batch already ended) or could not be reached.""")
final class CancelCommand implements Callable<Integer> {
  @Mixin OneBatchOptions batch;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return batch.server.show(spec, batch.json, api -> api.post(batch.path() + "/cancel", api.emptyObject()),
        (out, cancelled) -> out.println(batch.id + " " + cancelled.path("status").asText()));
  }
}
