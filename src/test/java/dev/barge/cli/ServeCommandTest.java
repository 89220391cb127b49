package dev.barge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code barge serve} refuses what it cannot run safely, saying why. */
class ServeCommandTest {
  @TempDir Path dir;

  private record Run(int exitCode, String err) {}

  private Run serve(String... args) {
    CommandLine cli = Main.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    String[] all = new String[args.length + 1];
    all[0] = "serve";
    System.arraycopy(args, 0, all, 1, args.length);
    return new Run(cli.execute(all), err.toString());
  }

  @Test
  void badConfigIsRefusedNamingTheKey() throws Exception {
    Path config = Files.writeString(dir.resolve("barge.yaml"), """
        backends:
          - { name: vllm, type: openai, models: [m] }
        """);
    Run run = serve("--config", config.toString(), "--data", dir.resolve("data").toString(), "--port", "0");
    assertThat(run.exitCode()).isEqualTo(Cli.CONFIG_ERROR);
    assertThat(run.err()).contains("backends[0].base_url").doesNotContain("Exception");
  }

  @Test
  void openServerRefusesToListenBeyondLoopback() {
    Run run = serve("--host", "0.0.0.0", "--port", "0", "--data", dir.resolve("data").toString());
    assertThat(run.exitCode()).isEqualTo(Cli.CONFIG_ERROR);
    assertThat(run.err()).contains("server.host").contains("api_keys");
  }

  @Test
  void missingConfigFileIsNamed() {
    Run run = serve("--config", dir.resolve("nope.yaml").toString());
    assertThat(run.exitCode()).isEqualTo(Cli.CONFIG_ERROR);
    assertThat(run.err()).contains("nope.yaml");
  }
}
