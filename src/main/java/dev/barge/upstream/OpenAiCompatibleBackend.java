package dev.barge.upstream;

import dev.barge.config.BackendConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Any OpenAI-compatible HTTP server: vLLM, llama.cpp server, Ollama, OpenAI itself, or the simulator. */
public final class OpenAiCompatibleBackend implements Backend {
  private static final int DEFAULT_CONCURRENCY = 16;

  private final BackendConfig config;
  private final String baseUrl;
  private final Duration timeout;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final HttpClient http;
  private final Clock clock;

  public OpenAiCompatibleBackend(BackendConfig config, Clock clock) {
    this.config = config;
    this.baseUrl = config.baseUrl().replaceAll("/+$", "");
    this.timeout = config.requestTimeout();
    this.clock = clock;
    // HTTP/1.1: the default HTTP/2 upgrade attempt against plain-http servers only adds surprises.
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .executor(executor)
        .build();
  }

  @Override
  public BackendConfig config() {
    return config;
  }

  @Override
  public int defaultConcurrency() {
    return DEFAULT_CONCURRENCY;
  }

  @Override
  public Outcome send(Endpoint endpoint, byte[] body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + endpoint.pathBelowV1()))
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (config.apiKey() != null && !config.apiKey().isBlank()) {
      request.header("Authorization", "Bearer " + config.apiKey());
    }
    try {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      var headers = response.headers();
      Duration retryAfter = RetryAfter.from(name -> headers.firstValue(name).orElse(null), clock);
      String requestId = headers.firstValue("x-request-id").orElse(null);
      return Outcome.classify(response.statusCode(), response.body(), requestId, retryAfter);
    } catch (HttpTimeoutException e) {
      return new Outcome.TransportFailure("no answer within " + timeout.toSeconds() + "s");
    } catch (IOException e) {
      return new Outcome.TransportFailure("connection failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome.TransportFailure("interrupted");
    }
  }

  @Override
  public void close() {
    http.close();
    executor.close();
  }
}
