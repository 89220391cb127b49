package dev.barge.upstream;

import dev.barge.config.BackendConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * The Anthropic Messages API ({@code POST /v1/messages} with {@code x-api-key} and
 * {@code anthropic-version}), or a server speaking it. Messages requests go as they are; OpenAI-format
 * chat completions and Gemini generateContent requests are translated both ways ({@link ChatOverMessages},
 * {@link GenerateContentOverMessages}). Its 529 "overloaded" is retried
 * like any 5xx.
 */
public final class AnthropicBackend implements Backend {
  private static final int DEFAULT_CONCURRENCY = 16;
  static final String VERSION = "2023-06-01";
  private static final ObjectMapper JSON = new ObjectMapper();

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
  public boolean serves(Endpoint endpoint) {
    return endpoint == Endpoint.MESSAGES || endpoint == Endpoint.CHAT_COMPLETIONS
        || endpoint == Endpoint.GENERATE_CONTENT;
  }

  @Override
  public Outcome send(Endpoint endpoint, byte[] body) {
    return switch (endpoint) {
      case MESSAGES -> post(body);
      case CHAT_COMPLETIONS -> ChatOverMessages.send(body, config.limits().defaultOutputTokens(), this::post);
      case GENERATE_CONTENT ->
          GenerateContentOverMessages.send(body, config.limits().defaultOutputTokens(), this::post);
      default -> new Outcome.Rejected(400, MessagesOverChat.error("invalid_request_error", endpoint.path()
          + " is not served by an Anthropic backend; it serves /v1/messages, /v1/chat/completions and "
          + Endpoint.GENERATE_CONTENT.path() + "."), null);
    };
  }

  /** Chat completions requests are streamed as Messages and translated back, event by event. */
  @Override
  public StreamedCall stream(Endpoint endpoint, byte[] body, StreamListener listener) {
    try {
      return switch (endpoint) {
        case MESSAGES -> stream(body, new StreamRelay(endpoint, StreamRelay.SAME, false, listener));
        case CHAT_COMPLETIONS -> {
          ObjectNode messages = ChatOverMessages.messagesRequest(body, config.limits().defaultOutputTokens());
          messages.put("stream", true);
          boolean callerAsked = JSON.readTree(body).path("stream_options").path("include_usage").asBoolean(false);
          yield stream(JSON.writeValueAsBytes(messages),
              new StreamRelay(endpoint, new ChatStreamOverMessages(), !callerAsked, listener));
        }
        default -> StreamedCall.answered(send(endpoint, body));
      };
    } catch (Untranslatable e) {
      return StreamedCall.answered(e.answer());
    } catch (IOException e) {
      return StreamedCall.answered(new Outcome.Rejected(400, ErrorBodies.openAi("The request body is not JSON.",
          "invalid_request_error", null), null));
    }
  }

  private StreamedCall stream(byte[] body, StreamRelay relay) {
    return http.stream(baseUrl + "/messages", headers, body, "request-id", relay);
  }

  private Outcome post(byte[] body) {
    return http.post(baseUrl + "/messages", headers, body, "request-id");
  }

  @Override
  public void close() {
    http.close();
  }
}
