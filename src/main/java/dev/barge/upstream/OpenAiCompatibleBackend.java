package dev.barge.upstream;

import dev.barge.config.BackendConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Any OpenAI-compatible HTTP server: vLLM, llama.cpp server, Ollama, OpenAI itself, or the simulator.
 *
 * <p>The client is Vert.x (Netty): on the dispatch path the HTTP client is the largest cost, and this
 * one does several times the request rate of the JDK's on the same cores. Calls still look blocking
 * to the dispatcher: its virtual thread waits for the answer.
 */
public final class OpenAiCompatibleBackend implements Backend {
  private static final int DEFAULT_CONCURRENCY = 16;
  private static final long CONNECT_TIMEOUT_MS = 10_000;

  private final BackendConfig config;
  private final String baseUrl;
  private final Duration timeout;
  private final HttpClientAgent http;
  private final Clock clock;

  public OpenAiCompatibleBackend(BackendConfig config, Vertx vertx, Clock clock) {
    this.config = config;
    this.baseUrl = config.baseUrl().replaceAll("/+$", "");
    this.timeout = config.requestTimeout();
    this.clock = clock;
    // HTTP/1.1 with one pooled connection per call in flight: no HTTP/2 upgrade surprises.
    this.http = vertx.createHttpClient(
        new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(true)
            .setConnectTimeout((int) CONNECT_TIMEOUT_MS).setDecompressionSupported(true),
        new PoolOptions().setHttp1MaxSize(maxConcurrency()));
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
    RequestOptions request = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(baseUrl + endpoint.pathBelowV1())
        .setIdleTimeout(timeout.toMillis())
        .putHeader("Content-Type", "application/json")
        .putHeader("Accept", "application/json");
    if (config.apiKey() != null && !config.apiKey().isBlank()) {
      request.putHeader("Authorization", "Bearer " + config.apiKey());
    }
    Future<Outcome> answer = http.request(request)
        .compose(r -> r.send(Buffer.buffer(body)))
        .compose(response -> response.body().map(bytes -> classify(response, bytes)));
    try {
      return answer.toCompletionStage().toCompletableFuture()
          .get(timeout.toMillis() + CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return noAnswer();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof io.netty.handler.timeout.TimeoutException
          || cause instanceof io.vertx.core.http.StreamResetException
          || String.valueOf(cause.getMessage()).contains("timeout")) {
        return noAnswer();
      }
      return new Outcome.TransportFailure("connection failed: " + cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome.TransportFailure("interrupted");
    }
  }

  private Outcome classify(HttpClientResponse response, Buffer bytes) {
    Duration retryAfter = RetryAfter.from(response::getHeader, clock);
    return Outcome.classify(response.statusCode(), bytes.toString(), response.getHeader("x-request-id"),
        retryAfter);
  }

  private Outcome noAnswer() {
    return new Outcome.TransportFailure("no answer within " + timeout.toMillis() + " ms");
  }

  @Override
  public void close() {
    http.close();
  }
}
