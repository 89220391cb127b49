package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.hc.client5.http.classic.methods.HttpDelete;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exchanges of a provider's batch API: JSON calls, streamed uploads, streamed downloads. A refusal
 * (a 4xx other than 408, 409 and 429) is a {@link ProviderJobException} with the provider's own message;
 * anything worth another try (those three, 5xx, no answer) is an IOException. {@code timeout} bounds
 * connecting and every wait for bytes, so a stalled download cannot hang a caller.
 */
final class ProviderHttp implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProviderHttp.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Job calls are few: a create, a poll now and then, one download per ended job. */
  private static final int CONNECTIONS = 8;
  private static final Timeout CONNECT_TIMEOUT = Timeout.ofSeconds(10);
  /** The most of an error answer read for its message. */
  private static final int MAX_ERROR_BYTES = 64 * 1024;

  private final Map<String, String> headers;
  private final CloseableHttpClient http;

  ProviderHttp(Map<String, String> headers, Duration timeout) {
    this.headers = Map.copyOf(headers);
    this.http = HttpClients.custom()
        .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
            .setMaxConnTotal(CONNECTIONS)
            .setMaxConnPerRoute(CONNECTIONS)
            .setDefaultConnectionConfig(ConnectionConfig.custom()
                .setConnectTimeout(CONNECT_TIMEOUT)
                .setSocketTimeout(Timeout.of(timeout))
                .build())
            .build())
        .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.of(timeout)).build())
        .disableAutomaticRetries() // the engine decides when to ask again
        .disableRedirectHandling() // a redirect would carry the API key elsewhere
        .disableCookieManagement()
        .build();
  }

  JsonNode get(String url) throws IOException, ProviderJobException {
    return json(new HttpGet(url));
  }

  JsonNode post(String url, JsonNode body) throws IOException, ProviderJobException {
    return post(url, new ByteArrayEntity(JSON.writeValueAsBytes(body), ContentType.APPLICATION_JSON));
  }

  /** POSTs {@code body}, which may stream from a file, and reads the JSON answer. */
  JsonNode post(String url, HttpEntity body) throws IOException, ProviderJobException {
    HttpPost post = new HttpPost(url);
    post.setEntity(body);
    return json(post);
  }

  /** DELETEs {@code url}, and reads the JSON answer. */
  JsonNode delete(String url) throws IOException, ProviderJobException {
    return json(new HttpDelete(url));
  }

  /** POSTs no body, and reads the JSON answer. */
  JsonNode post(String url) throws IOException, ProviderJobException {
    return json(new HttpPost(url));
  }

  /** The body of {@code url} as a stream, read as it arrives; closing it ends the exchange. */
  InputStream open(String url) throws IOException, ProviderJobException {
    HttpGet get = new HttpGet(url);
    ClassicHttpResponse response = execute(get);
    HttpEntity entity = response.getEntity();
    InputStream content = entity == null ? InputStream.nullInputStream() : entity.getContent();
    return new FilterInputStream(content) {
      @Override
      public void close() throws IOException {
        get.cancel(); // drops the connection rather than reading what the caller left unread
        try {
          response.close();
        } catch (IOException dropped) {
          // The socket closed under a half-read body: what cancelling asked for.
        }
      }
    };
  }

  /** A call whose refusal is, to its caller, one more way for it to fail. */
  interface Call<T> {
    T run() throws IOException, ProviderJobException;
  }

  /** Runs {@code call}, a refusal thrown as an IOException with the provider's message. */
  static <T> T refusalAsIo(Call<T> call) throws IOException {
    try {
      return call.run();
    } catch (ProviderJobException e) {
      throw new IOException("the provider refused (HTTP " + e.status() + "): " + e.getMessage(), e);
    }
  }

  private JsonNode json(HttpUriRequestBase request) throws IOException, ProviderJobException {
    try (ClassicHttpResponse response = execute(request)) {
      HttpEntity entity = response.getEntity();
      if (entity == null) throw new IOException("the provider answered " + request.getPath() + " with no body");
      try (InputStream in = entity.getContent()) {
        return JSON.readTree(in);
      }
    }
  }

  /** Sends {@code request} with the provider's headers; an answer that is not a 2xx is thrown. */
  private ClassicHttpResponse execute(HttpUriRequestBase request) throws IOException, ProviderJobException {
    request.setHeader("Accept", "application/json");
    headers.forEach(request::setHeader);
    ClassicHttpResponse response = http.executeOpen(null, request, null);
    int status = response.getCode();
    if (status >= 200 && status < 300) return response;
    String message;
    try (response) {
      message = errorMessage(response.getEntity());
    }
    log.debug("{} {} answered {}", request.getMethod(), request.getPath(), status);
    if (status == 408 || status == 409 || status == 429 || status >= 500) {
      throw new IOException("the provider answered HTTP " + status + " to " + request.getMethod() + " "
          + request.getPath() + ": " + message);
    }
    throw new ProviderJobException(status, message);
  }

  /** The {@code error.message} of an answer, as OpenAI and Anthropic both put it, else the start of the body. */
  private static String errorMessage(HttpEntity entity) throws IOException {
    if (entity == null) return "(no body)";
    byte[] bytes;
    try (InputStream in = entity.getContent()) {
      bytes = in.readNBytes(MAX_ERROR_BYTES);
    }
    try {
      JsonNode message = JSON.readTree(bytes).path("error").path("message");
      if (message.isTextual()) return message.textValue();
    } catch (IOException notJson) {
      // the raw text says what there is to say
    }
    String text = new String(bytes, StandardCharsets.UTF_8).strip();
    return text.isEmpty() ? "(no body)" : text.substring(0, Math.min(text.length(), 500));
  }

  @Override
  public void close() {
    http.close(CloseMode.IMMEDIATE);
  }
}
