package dev.barge.upstream;

import dev.barge.config.BackendConfig;
import java.time.Clock;
import java.util.Map;

/**
 * Any OpenAI-compatible HTTP server: vLLM, llama.cpp server, Ollama, OpenAI itself, or the simulator.
 * Anthropic Messages requests are served by translation to chat completions ({@link MessagesOverChat}).
 */
public final class OpenAiCompatibleBackend implements Backend {
  private static final int DEFAULT_CONCURRENCY = 16;

  private final BackendConfig config;
  private final String baseUrl;
  private final Map<String, String> headers;
  private final HttpCaller http;

  public OpenAiCompatibleBackend(BackendConfig config, Clock clock) {
    this.config = config;
    this.baseUrl = config.baseUrl().replaceAll("/+$", "");
    this.headers = config.apiKey() == null || config.apiKey().isBlank() ? Map.of()
        : Map.of("Authorization", "Bearer " + config.apiKey());
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
  public Outcome send(Endpoint endpoint, byte[] body) {
    return send(endpoint, body, MessagesOverChat.BATCH_TIER);
  }

  @Override
  public Outcome sendNow(Endpoint endpoint, byte[] body) {
    return send(endpoint, body, MessagesOverChat.STANDARD_TIER);
  }

  private Outcome send(Endpoint endpoint, byte[] body, String serviceTier) {
    if (endpoint == Endpoint.MESSAGES) {
      return MessagesOverChat.send(body, serviceTier, chat -> post(Endpoint.CHAT_COMPLETIONS, chat));
    }
    return post(endpoint, body);
  }

  private Outcome post(Endpoint endpoint, byte[] body) {
    return http.post(baseUrl + endpoint.pathBelowV1(), headers, body, "x-request-id");
  }

  @Override
  public void close() {
    http.close();
  }
}
