package dev.barge.upstream;

import dev.barge.config.BackendConfig;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * The Anthropic Messages API ({@code POST /v1/messages} with {@code x-api-key} and
 * {@code anthropic-version}), or a server speaking it. Messages requests go as they are; OpenAI-format
 * chat completions are translated both ways ({@link ChatOverMessages}). Its 529 "overloaded" is retried
 * like any 5xx.
 */
public final class AnthropicBackend implements Backend {
  private static final int DEFAULT_CONCURRENCY = 16;
  static final String VERSION = "2023-06-01";

  private final BackendConfig config;
  private final String baseUrl;
  private final Map<String, String> headers;
  private final HttpCaller http;

  public AnthropicBackend(BackendConfig config, Clock clock) {
    this.config = config;
    this.baseUrl = config.baseUrl().replaceAll("/+$", "");
    Map<String, String> h = new HashMap<>();
    h.put("anthropic-version", VERSION);
    if (config.apiKey() != null && !config.apiKey().isBlank()) h.put("x-api-key", config.apiKey());
    this.headers = Map.copyOf(h);
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
    return switch (endpoint) {
      case MESSAGES -> post(body);
      case CHAT_COMPLETIONS -> ChatOverMessages.send(body, config.limits().defaultOutputTokens(), this::post);
      default -> new Outcome.Rejected(400, MessagesOverChat.error("invalid_request_error", endpoint.path()
          + " is not served by an Anthropic backend; it serves /v1/messages and /v1/chat/completions."), null);
    };
  }

  private Outcome post(byte[] body) {
    return http.post(baseUrl + "/messages", headers, body, "request-id");
  }

  @Override
  public void close() {
    http.close();
  }
}
