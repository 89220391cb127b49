package dev.barge.upstream.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.barge.cli.MockUpstreamCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MockUpstreamCommandTest {
  @Test
  void errorRateAboveOneIsAUsageErrorNamingTheOption() {
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new MockUpstreamCommand()).setErr(new PrintWriter(err));

    int exit = command.execute("--port", "0", "--error-rate", "2");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("--error-rate").contains("between 0 and 1");
  }

  @Test
  void portOutOfRangeIsAUsageError() {
    StringWriter err = new StringWriter();
    int exit = new CommandLine(new MockUpstreamCommand()).setErr(new PrintWriter(err)).execute("--port", "70000");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("--port");
  }

  @Test
  void helpSaysItIsNotARealModel() {
    assertThat(new CommandLine(new MockUpstreamCommand()).getUsageMessage()).contains("not a real model");
  }
}
