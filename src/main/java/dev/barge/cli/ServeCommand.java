package dev.barge.cli;

import dev.barge.api.ApiServer;
import dev.barge.config.BargeConfig;
import dev.barge.config.ConfigLoader;
import dev.barge.engine.Engine;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code barge serve}: the API server. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the Barge server (OpenAI-compatible Files and Batch API).")
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML configuration; without it Barge runs on the embedded default (SQLite, local embeddings).")
  Path config;

  @Option(names = "--host", description = "Address to listen on (default 127.0.0.1).")
  String host;

  @Option(names = "--port", description = "Port to listen on (default 8080).")
  Integer port;

  @Option(names = "--data", paramLabel = "DIR",
      description = "Keep the database and file bytes in DIR (default ./barge-data).")
  Path data;

  @Override
  public Integer call() throws InterruptedException {
    BargeConfig cfg = new ConfigLoader(System.getenv()).load(config);
    if (data != null) cfg = cfg.withDataDirectory(data);
    cfg = cfg.withServer(host, port);
    Engine engine = Engine.start(cfg, Clock.systemUTC());
    ApiServer server;
    try {
      server = ApiServer.start(engine, cfg);
    } catch (RuntimeException e) {
      engine.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      engine.close();
      stopped.countDown();
    }, "barge-shutdown"));
    stopped.await();
    return 0;
  }
}
