package dev.barge.upstream;

import dev.barge.config.BackendConfig;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * Any OpenAI-compatible HTTP server: vLLM, llama.cpp server, Ollama, OpenAI itself, or the simulator.
 *
 * <p>Calls block their (virtual) thread on a pooled HTTP/1.1 connection. {@code request_timeout} bounds
 * connecting and each wait for response bytes; a non-streaming backend sends nothing until its answer
 * is ready, so that is the time to the answer.
 */
public final class OpenAiCompatibleBackend implements Backend {
  private static final int DEFAULT_CONCURRENCY = 16;
  private static final Timeout CONNECT_TIMEOUT = Timeout.ofSeconds(10);

  private final BackendConfig config;
  private final String baseUrl;
  private final Duration timeout;
  private final CloseableHttpClient http;
  private final Clock clock;

  public OpenAiCompatibleBackend(BackendConfig config, Clock clock) {
    this.config = config;
    this.baseUrl = config.baseUrl().replaceAll("/+$", "");
    this.timeout = config.requestTimeout();
    this.clock = clock;
    PoolingHttpClientConnectionManager connections = PoolingHttpClientConnectionManagerBuilder.create()
        .setMaxConnTotal(maxConcurrency())
        .setMaxConnPerRoute(maxConcurrency())
        .setDefaultConnectionConfig(ConnectionConfig.custom()
            .setConnectTimeout(CONNECT_TIMEOUT)
            .setSocketTimeout(Timeout.of(timeout))
            .build())
        .build();
    this.http = HttpClients.custom()
        .setConnectionManager(connections)
        .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.of(timeout)).build())
        .disableAutomaticRetries() // retries are the dispatcher's decision, with backoff
        .disableRedirectHandling()
        .disableCookieManagement()
        .disableAuthCaching()
        .evictIdleConnections(TimeValue.ofMinutes(1))
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
    if (endpoint == Endpoint.MESSAGES) return MessagesOverChat.send(body, chat -> post(Endpoint.CHAT_COMPLETIONS, chat));
    return post(endpoint, body);
  }

  private Outcome post(Endpoint endpoint, byte[] body) {
    HttpPost post = new HttpPost(baseUrl + endpoint.pathBelowV1());
    post.setHeader("Accept", "application/json");
    if (config.apiKey() != null && !config.apiKey().isBlank()) {
      post.setHeader("Authorization", "Bearer " + config.apiKey());
    }
    post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
    try {
      return http.execute(post, this::outcome);
    } catch (SocketTimeoutException e) {
      return new Outcome.TransportFailure("no answer within " + timeout.toSeconds() + "s");
    } catch (InterruptedIOException e) {
      Thread.currentThread().interrupt();
      return new Outcome.TransportFailure("interrupted");
    } catch (IOException e) {
      if (Thread.currentThread().isInterrupted()) return new Outcome.TransportFailure("interrupted");
      return new Outcome.TransportFailure("connection failed: " + e);
    }
  }

  private Outcome outcome(ClassicHttpResponse response) throws IOException {
    // JSON is UTF-8 (RFC 8259), whatever charset a backend names.
    String text = response.getEntity() == null ? ""
        : new String(EntityUtils.toByteArray(response.getEntity()), StandardCharsets.UTF_8);
    Duration retryAfter = RetryAfter.from(name -> value(response.getFirstHeader(name)), clock);
    return Outcome.classify(response.getCode(), text, value(response.getFirstHeader("x-request-id")), retryAfter,
        RateLimitHeaders.from(name -> value(response.getFirstHeader(name))));
  }

  private static String value(Header header) {
    return header == null ? null : header.getValue();
  }

  @Override
  public void close() {
    http.close(org.apache.hc.core5.io.CloseMode.IMMEDIATE);
  }
}
