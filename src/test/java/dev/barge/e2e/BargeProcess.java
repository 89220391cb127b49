package dev.barge.e2e;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;

/** {@code barge serve} as a separate operating-system process, so a test can kill it with SIGKILL. */
final class BargeProcess implements AutoCloseable {
  private final Process process;
  private final Path config;
  private final Path log;
  final int port;

  private BargeProcess(Process process, Path config, Path log, int port) {
    this.process = process;
    this.config = config;
    this.log = log;
    this.port = port;
  }

  /** Starts a server with {@code config} and waits until its API answers. */
  static BargeProcess start(Path config, Path log) {
    return start(config, log, freePort());
  }

  /** The same on {@code port}: a node restarted where a load balancer expects it. */
  static BargeProcess start(Path config, Path log, int port) {
    BargeProcess barge = new BargeProcess(launch(log, "serve", "--config", config.toString(), "--port",
        Integer.toString(port)), config, log, port);
    barge.awaitReady();
    return barge;
  }

  /** How a {@code barge} command that ran to its end went: its exit code and what it printed. */
  record Exited(int exitCode, String output) {}

  /** Runs {@code barge args...} as a process of its own to its end (at most a minute). */
  static Exited run(Path log, String... args) throws InterruptedException {
    Process p = launch(log, args);
    if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("barge " + String.join(" ", args) + " did not end within a minute; see " + log);
    }
    try {
      return new Exited(p.exitValue(), Files.readString(log));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Process launch(Path log, String... args) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx512m", "-cp",
        System.getProperty("java.class.path"), "dev.barge.cli.Main"));
    command.addAll(List.of(args));
    try {
      // The test class path (surefire's manifest jar names every dependency) runs the real CLI.
      return new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start barge " + args[0], e);
    }
  }

  /** The configuration file it was started with. */
  Path configPath() {
    return config;
  }

  long pid() {
    return process.pid();
  }

  private void awaitReady() {
    HttpClient http = HttpClient.newHttpClient();
    Awaitility.await("barge serve on port " + port + " (log: " + log + ")").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
          if (!process.isAlive()) throw new IllegalStateException("barge serve exited; see " + log);
          return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/batches")).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        });
  }

  String baseUrl() {
    return "http://127.0.0.1:" + port + "/v1";
  }

  OpenAIClient client() {
    return OpenAIOkHttpClient.builder().baseUrl(baseUrl()).apiKey("unused").maxRetries(0).build();
  }

  /** SIGKILL: no shutdown hook, no flush, no goodbye. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGTERM, and waits up to 30 s for the server to drain and exit. */
  void stop() {
    close();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) kill();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
