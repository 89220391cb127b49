package dev.barge.e2e;

import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/** A {@code barge serve} process that a crash test kills with SIGKILL and starts again on the same configuration. */
final class KilledServer {
  private final BargeExtension e2e;
  private final Path config;
  private final Path log;
  private BargeProcess barge;

  KilledServer(BargeExtension e2e, Path config, Path log) {
    this.e2e = e2e;
    this.config = config;
    this.log = log;
    this.barge = e2e.closing(BargeProcess.start(config, log));
  }

  OpenAIClient client() {
    return barge.client();
  }

  String logText() {
    return barge.logText();
  }

  /** Kills the server and starts it again; returns {@code when}, for the test's record of its kills. */
  String killAndRestart(String when) {
    barge.kill();
    barge = e2e.closing(BargeProcess.start(config, log));
    return when;
  }

  /** A batch's status and settled counts, e.g. {@code in_progress 500+0}. */
  String status(String batchId) {
    Batch b = barge.client().batches().retrieve(batchId);
    return b.status() + " " + b.requestCounts().map(c -> c.completed() + "+" + c.failed()).orElse("");
  }

  /** Waits, polling fast, until the batch meets {@code condition}. */
  void awaitBatch(String batchId, Predicate<Batch> condition) {
    Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(10))
        .until(() -> condition.test(barge.client().batches().retrieve(batchId)));
  }
}
