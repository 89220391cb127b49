package dev.barge.upstream;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
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
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * JSON POSTs to one HTTP backend, as its {@link Outcome}s. Calls block their (virtual) thread on a pooled
 * HTTP/1.1 connection; {@code timeout} bounds connecting and each wait for response bytes (a
 * non-streaming backend sends nothing until its answer is ready, so that is the time to the answer).
 */
final class HttpCaller implements AutoCloseable {
  private static final Timeout CONNECT_TIMEOUT = Timeout.ofSeconds(10);

  private final Duration timeout;
  private final CloseableHttpClient http;
  private final Clock clock;

  HttpCaller(int connections, Duration timeout, Clock clock) {
    this.timeout = timeout;
    this.clock = clock;
    PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create()
        .setMaxConnTotal(connections)
        .setMaxConnPerRoute(connections)
        .setDefaultConnectionConfig(ConnectionConfig.custom()
            .setConnectTimeout(CONNECT_TIMEOUT)
            .setSocketTimeout(Timeout.of(timeout))
            .build())
        .build();
    this.http = HttpClients.custom()
        .setConnectionManager(pool)
        .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.of(timeout)).build())
        .disableAutomaticRetries() // retries are the dispatcher's decision, with backoff
        .disableRedirectHandling()
        .disableCookieManagement()
        .disableAuthCaching()
        .evictIdleConnections(TimeValue.ofMinutes(1))
        .build();
  }

  /** POSTs {@code body} to {@code url} with {@code headers}; {@code requestIdHeader} names the backend's request id. */
  Outcome post(String url, Map<String, String> headers, byte[] body, String requestIdHeader) {
    HttpPost post = new HttpPost(url);
    post.setHeader("Accept", "application/json");
    headers.forEach(post::setHeader);
    post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
    try {
      return http.execute(post, response -> outcome(response, requestIdHeader));
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

  private Outcome outcome(ClassicHttpResponse response, String requestIdHeader) throws IOException {
    // JSON is UTF-8 (RFC 8259), whatever charset a backend names.
    String text = response.getEntity() == null ? ""
        : new String(EntityUtils.toByteArray(response.getEntity()), StandardCharsets.UTF_8);
    Duration retryAfter = RetryAfter.from(name -> value(response.getFirstHeader(name)), clock);
    return Outcome.classify(response.getCode(), text, value(response.getFirstHeader(requestIdHeader)), retryAfter,
        RateLimitHeaders.from(name -> value(response.getFirstHeader(name)), clock.instant()));
  }

  private static String value(Header header) {
    return header == null ? null : header.getValue();
  }

  @Override
  public void close() {
    http.close(CloseMode.IMMEDIATE);
  }
}
