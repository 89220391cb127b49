package dev.barge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import dev.barge.api.ApiServer;
import dev.barge.blob.BlobStore;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.BargeConfig;
import dev.barge.config.BatchConfig;
import dev.barge.config.ConfigLoader;
import dev.barge.config.LimitsConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.engine.Engine;
import dev.barge.upstream.simulator.SimulatorServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** A real Barge (engine + HTTP API) on a free port with its own data directory, and an OpenAI SDK client for it. */
final class TestBarge implements AutoCloseable {
  /** The model the tests' simulator backends serve and their batch lines name. */
  static final String MODEL = "sim-chat";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<Batch.Status> TERMINAL = Set.of(Batch.Status.COMPLETED, Batch.Status.FAILED,
      Batch.Status.EXPIRED, Batch.Status.CANCELLED);

  final Engine engine;
  final ApiServer server;
  final String baseUrl;

  private TestBarge(Engine engine, ApiServer server) {
    this.engine = engine;
    this.server = server;
    this.baseUrl = "http://127.0.0.1:" + server.port() + "/v1";
  }

  /** The {@code batch:} section written as YAML flow, e.g. {@code "max_attempts: 2, initial_backoff: 1ms"}. */
  static BatchConfig batch(String yamlFlow) {
    return new ConfigLoader(Map.of()).parse("batch: {" + yamlFlow + "}", "test").batch();
  }

  /** An {@code openai} backend "sim-http" at a simulator over HTTP, serving {@code model} with {@code limits}. */
  /** The simulator on a free local port, answering every request after {@code latencyMs}, no faults, seeded. */
  static SimulatorServer simulator(int latencyMs) {
    return SimulatorServer.start("127.0.0.1", 0, new SimulatorConfig(latencyMs, 0, 0.0, 0.0, null, null, null, 1L),
        Set.of());
  }

  static BackendConfig simulatorBackend(SimulatorServer upstream, String model, LimitsConfig limits) {
    return new BackendConfig("sim-http", BackendType.OPENAI, upstream.baseUrl(), null, List.of(model), limits, "10s",
        null);
  }

  static TestBarge start(BargeConfig config, Path dataDir) {
    return start(config, dataDir, Clock.systemUTC());
  }

  static TestBarge start(BargeConfig config, Path dataDir, Clock clock) {
    return start(config, dataDir, clock, UnaryOperator.identity());
  }

  /** The same with the engine's blob store (on disk in {@code dataDir}) wrapped by {@code blobs}, e.g. to inject faults. */
  static TestBarge start(BargeConfig config, Path dataDir, Clock clock, UnaryOperator<BlobStore> blobs) {
    BargeConfig cfg = config.withStorage(TestStorage.under(dataDir)).withServer("127.0.0.1", 0);
    Engine engine = Engine.start(cfg, clock, blobs);
    return new TestBarge(engine, ApiServer.start(engine, cfg));
  }

  OpenAIClient client() {
    return client("unused");
  }

  OpenAIClient client(String apiKey) {
    return OpenAIOkHttpClient.builder().baseUrl(baseUrl).apiKey(apiKey).maxRetries(0).build();
  }

  static String upload(OpenAIClient client, Path dir, String name, List<String> lines) {
    try {
      Path file = dir.resolve(name);
      Files.write(file, lines, StandardCharsets.UTF_8);
      return client.files().create(FileCreateParams.builder().file(file).purpose(FilePurpose.BATCH).build()).id();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Batch create(OpenAIClient client, String fileId, BatchCreateParams.Endpoint endpoint, String window) {
    return client.batches().create(BatchCreateParams.builder()
        .inputFileId(fileId)
        .endpoint(endpoint)
        .completionWindow(BatchCreateParams.CompletionWindow.of(window))
        .build());
  }

  static Batch awaitEnd(OpenAIClient client, String batchId, Duration atMost) {
    Batch[] last = new Batch[1];
    try {
      Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(100)).until(() -> {
        last[0] = client.batches().retrieve(batchId);
        return TERMINAL.contains(last[0].status());
      });
    } catch (ConditionTimeoutException e) {
      // Say where the batch stood, so a failure on a slow machine can be told from a stuck batch.
      throw new AssertionError("batch " + batchId + " did not end within " + atMost + "; last seen: "
          + (last[0] == null ? "nothing" : last[0].status() + " " + last[0].requestCounts()), e);
    }
    return last[0];
  }

  /** GET of an API path (e.g. {@code /batches/ID}) as JSON, to read what the SDK's types leave out (extensions). */
  JsonNode getJson(String path) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET());
  }

  /** POST of a JSON body to an API path; the answer as JSON, whatever its status. */
  JsonNode postJson(String path, String json) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  private static JsonNode send(HttpRequest.Builder request) {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return JSON.readTree(http.send(request.build(), HttpResponse.BodyHandlers.ofString()).body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static List<String> contentLines(OpenAIClient client, String fileId) {
    try (var response = client.files().content(fileId); InputStream body = response.body()) {
      String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
      return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    server.close();
    engine.close();
  }
}
