package dev.barge.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON POSTs to one HTTP backend, as its {@link Outcome}s. Calls block their (virtual) thread on a pooled
 * HTTP/1.1 connection; {@code timeout} bounds connecting, each wait for response bytes (a non-streaming
 * backend sends nothing until its answer is ready, so that is the time to the answer) and the whole
 * exchange, so a backend trickling its answer cannot hold a call forever. Answers are read up to
 * {@link #MAX_ANSWER_BYTES}.
 */
final class HttpCaller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpCaller.class);
  private static final Timeout CONNECT_TIMEOUT = Timeout.ofSeconds(10);
  /** Far above any real answer (2,048 embeddings of 3,072 dimensions as JSON are about 75 MB). */
  static final int MAX_ANSWER_BYTES = 128 * 1024 * 1024;
  /** Cancels exchanges that pass their deadline; one thread for every backend, as it only flips a switch. */
  private static final ScheduledThreadPoolExecutor DEADLINES = deadlines();

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
    HttpPost post = newPost(url, headers, body, "application/json");
    AtomicBoolean late = new AtomicBoolean();
    AtomicBoolean answering = new AtomicBoolean();
    ScheduledFuture<?> deadline = deadline(post, late);
    try {
      ClassicHttpResponse response = http.executeOpen(null, post, null);
      try {
        answering.set(true);
        return outcome(post, response, requestIdHeader);
      } finally {
        closeQuietly(response);
      }
    } catch (SocketTimeoutException e) {
      return new Outcome.TransportFailure("no answer within " + timeoutText());
    } catch (InterruptedIOException e) {
      Thread.currentThread().interrupt();
      return new Outcome.TransportFailure("interrupted");
    } catch (IOException e) {
      if (late.get()) {
        return new Outcome.TransportFailure(answering.get() ? "the answer did not finish arriving within " + timeoutText()
            : "no answer within " + timeoutText());
      }
      if (Thread.currentThread().isInterrupted()) return new Outcome.TransportFailure("interrupted");
      // Callers see what went wrong, not the exception's text, which names internal addresses.
      log.debug("call to {} failed: {}", url, e.toString());
      return new Outcome.TransportFailure(TransportErrors.describe(e));
    } finally {
      deadline.cancel(false);
    }
  }

  /**
   * POSTs a request for a streamed answer and relays its events as they arrive. An answer that is not an
   * event stream (an error, or a backend that ignored {@code "stream"}) is read whole and returned instead.
   * The same {@code timeout} bounds the wait for each byte and the whole exchange.
   */
  StreamedCall stream(String url, Map<String, String> headers, byte[] body, String requestIdHeader,
      StreamRelay relay) {
    HttpPost post = newPost(url, headers, body, "text/event-stream");
    AtomicBoolean late = new AtomicBoolean();
    ScheduledFuture<?> deadline = deadline(post, late);
    boolean began = false;
    try {
      ClassicHttpResponse response = http.executeOpen(null, post, null);
      try {
        String requestId = value(response.getFirstHeader(requestIdHeader));
        RateLimitHeaders limits = RateLimitHeaders.from(name -> value(response.getFirstHeader(name)), clock.instant());
        HttpEntity entity = response.getEntity();
        String type = entity == null || entity.getContentType() == null ? "" : entity.getContentType();
        if (response.getCode() / 100 != 2 || !type.startsWith("text/event-stream")) {
          return StreamedCall.answered(outcome(post, response, requestIdHeader));
        }
        began = true;
        StreamedCall call = relay.run(requestId, new Outcome.Success(response.getCode(), "{}", requestId, limits),
            new SseReader(entity.getContent())::next);
        // Dropped before the answer is closed, which would otherwise read the rest of the stream first; the
        // backend stops generating when its connection drops.
        if (call.callerLeft()) post.cancel();
        return call;
      } finally {
        closeQuietly(response);
      }
    } catch (IOException e) {
      String reason = late.get() ? "the answer did not finish arriving within " + timeoutText()
          : e instanceof SocketTimeoutException ? "no answer within " + timeoutText() : TransportErrors.describe(e);
      log.debug("streamed call to {} failed: {}", url, e.toString());
      if (!began) return StreamedCall.answered(new Outcome.TransportFailure(reason));
      relay.cutOff(reason);
      return new StreamedCall(new Outcome.TransportFailure(reason), relay.usage(), true, false);
    } finally {
      deadline.cancel(false);
    }
  }

  private static HttpPost newPost(String url, Map<String, String> headers, byte[] body, String accept) {
    HttpPost post = new HttpPost(url);
    post.setHeader("Accept", accept);
    headers.forEach(post::setHeader);
    post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
    return post;
  }

  /** Cancels {@code post} once the timeout has passed, and marks it {@code late}. */
  private ScheduledFuture<?> deadline(HttpPost post, AtomicBoolean late) {
    return DEADLINES.schedule(() -> {
      late.set(true);
      post.cancel();
    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private String timeoutText() {
    return timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + "s" : timeout.toMillis() + "ms";
  }

  private Outcome outcome(HttpPost post, ClassicHttpResponse response, String requestIdHeader) throws IOException {
    HttpEntity entity = response.getEntity();
    byte[] bytes = entity == null ? new byte[0]
        : entity.getContentLength() > MAX_ANSWER_BYTES ? null : readAtMost(entity, MAX_ANSWER_BYTES);
    if (bytes == null) {
      post.cancel(); // drops the connection: closing the answer would otherwise read the rest of it
      return tooLarge(response);
    }
    // JSON is UTF-8 (RFC 8259), whatever charset a backend names.
    String text = new String(bytes, StandardCharsets.UTF_8);
    Duration retryAfter = RetryAfter.from(name -> value(response.getFirstHeader(name)), clock);
    return Outcome.classify(response.getCode(), text, value(response.getFirstHeader(requestIdHeader)), retryAfter,
        RateLimitHeaders.from(name -> value(response.getFirstHeader(name)), clock.instant()));
  }

  /** The body, or null when it is longer than {@code max} bytes; then the rest is left unread. */
  private static byte[] readAtMost(HttpEntity entity, int max) throws IOException {
    InputStream in = entity.getContent();
    byte[] bytes = in.readNBytes(max);
    if (bytes.length == max && in.read() != -1) return null;
    in.close();
    return bytes;
  }

  /** Gives the connection back (or, after a cancel, drops it); the outcome is already known. */
  private static void closeQuietly(ClassicHttpResponse response) {
    try {
      response.close();
    } catch (IOException e) {
      log.debug("closing an answer failed: {}", e.toString());
    }
  }

  /** An answer too large to take is final: the same request would get the same answer. */
  private static Outcome tooLarge(ClassicHttpResponse response) {
    String message = "The backend's answer (HTTP " + response.getCode() + ") is larger than "
        + MAX_ANSWER_BYTES / (1024 * 1024) + " MiB, the most Barge reads.";
    return new Outcome.Rejected(502, ErrorBodies.openAi(message, "server_error", "backend_answer_too_large"),
        value(response.getFirstHeader("x-request-id")));
  }

  private static ScheduledThreadPoolExecutor deadlines() {
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
        Thread.ofPlatform().name("barge-call-deadlines").daemon().factory());
    executor.setRemoveOnCancelPolicy(true); // most calls end long before their deadline
    return executor;
  }

  private static String value(Header header) {
    return header == null ? null : header.getValue();
  }

  @Override
  public void close() {
    http.close(CloseMode.IMMEDIATE);
  }
}
