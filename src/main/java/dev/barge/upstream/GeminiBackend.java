package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.config.BackendConfig;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

/**
 * The Gemini API ({@code POST {base_url}/models/{model}:generateContent} and {@code :embedContent} with
 * {@code x-goog-api-key}, base URL e.g. {@code https://generativelanguage.googleapis.com/v1beta}), or a server
 * speaking it such as {@code barge mock-upstream}. It serves only those two: a batch line's body is the
 * request plus Barge's {@code model}, which Gemini takes from the URL and would refuse in the body, so it is
 * taken out and the rest sent as it is; the answer is kept as it is.
 */
public final class GeminiBackend implements Backend {
  private static final int DEFAULT_CONCURRENCY = 16;

  private final BackendConfig config;
  private final String baseUrl;
  private final Map<String, String> headers;
  private final HttpCaller http;

  public GeminiBackend(BackendConfig config, Clock clock) {
    this.config = config;
    this.baseUrl = config.baseUrl().replaceAll("/+$", "");
    this.headers = config.apiKey() == null || config.apiKey().isBlank() ? Map.of()
        : Map.of("x-goog-api-key", config.apiKey());
    this.http = new HttpCaller(maxConcurrency(), config.requestTimeout(), clock);
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
  public boolean serves(Endpoint endpoint) {
    return endpoint == Endpoint.GENERATE_CONTENT || endpoint == Endpoint.EMBED_CONTENT;
  }

  @Override
  public Outcome send(Endpoint endpoint, byte[] body) {
    if (!serves(endpoint)) {
      return new Outcome.Rejected(400, GeminiAnswers.error(400, endpoint.path() + " is not served by a Gemini"
          + " backend; it serves " + Endpoint.GENERATE_CONTENT.path() + " and " + Endpoint.EMBED_CONTENT.path()
          + "."), null);
    }
    ObjectNode request;
    try {
      request = (ObjectNode) GeminiRequest.object(body);
    } catch (Untranslatable e) {
      return e.answer();
    }
    JsonNode model = request.remove("model");
    if (model == null || !model.isTextual() || model.textValue().isBlank()) {
      return new Outcome.Rejected(400, GeminiAnswers.error(400, "model: required, the model's name without"
          + " 'models/'"), null);
    }
    String method = endpoint.path().substring(endpoint.path().lastIndexOf(':')); // ":generateContent"
    return http.post(baseUrl + "/models/" + model.textValue() + method, headers,
        request.toString().getBytes(StandardCharsets.UTF_8), "x-goog-request-id");
  }

  @Override
  public void close() {
    http.close();
  }
}
