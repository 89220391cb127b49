package dev.barge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One SQLite database serves one process: a second {@code barge serve} on it refuses to start, naming the first. */
class SqliteLockTest {
  @RegisterExtension final BargeExtension e2e = new BargeExtension();

  @Test
  void aSecondServeOnTheSameDataDirectoryRefusesNamingTheDirectoryAndTheFirstProcess() throws Exception {
    assumeFalse(TestStorage.onPostgres(), "the lock guards a SQLite database; PostgreSQL is shared by design");
    Path dir = e2e.dir();
    Path data = e2e.dataDir();
    Path config = CrashTest.writeConfig(dir, e2e.storage(data), "http://127.0.0.1:9/v1");
    try (BargeProcess first = BargeProcess.start(config, dir.resolve("first.log"))) {
      BargeProcess.Exited second = BargeProcess.run(dir.resolve("second.log"), "serve", "--config", config.toString(),
          "--port", "0");

      assertThat(second.exitCode()).as(second.output()).isEqualTo(2);
      assertThat(second.output()).contains("barge: " + data.toAbsolutePath() + " is in use by another Barge process")
          .contains("(pid " + first.pid() + ")").doesNotContain("Exception");
      assertThat(first.client().batches().list().data()).isEmpty(); // the first one goes on, untouched
    }
  }
}
