package dev.barge.upstream;

import dev.barge.config.BackendConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;

/**
 * Any OpenAI-compatible HTTP server: vLLM, llama.cpp server, Ollama, OpenAI itself, or the simulator.
 * Anthropic Messages and Gemini generateContent requests are served by translation to chat completions
 * ({@link MessagesOverChat}, {@link GenerateContentOverChat}), Gemini embedContent ones to embeddings
 * ({@link EmbedContentOverEmbeddings}).
 */
public final class OpenAiCompatibleBackend implements Backend {
  private static final int DEFAULT_CONCURRENCY = 16;
  private static final ObjectMapper JSON = new ObjectMapper();

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
    return switch (endpoint) {
      case MESSAGES -> MessagesOverChat.send(body, serviceTier, chat -> post(Endpoint.CHAT_COMPLETIONS, chat));
      case GENERATE_CONTENT -> GenerateContentOverChat.send(body, chat -> post(Endpoint.CHAT_COMPLETIONS, chat));
      case EMBED_CONTENT -> EmbedContentOverEmbeddings.send(body, input -> post(Endpoint.EMBEDDINGS, input));
      default -> post(endpoint, body);
    };
  }

  /**
   * Chat and completions streams are asked for their usage chunk (to price the call), which the caller gets
   * only if it asked too; Messages are streamed as chat completions and translated back.
   */
  @Override
  public StreamedCall stream(Endpoint endpoint, byte[] body, StreamListener listener) {
    try {
      return switch (endpoint) {
        case MESSAGES -> {
          ObjectNode chat = MessagesOverChat.chatRequest(body);
          chat.put("stream", true).putObject("stream_options").put("include_usage", true);
          yield stream(Endpoint.CHAT_COMPLETIONS, JSON.writeValueAsBytes(chat), new StreamRelay(endpoint,
              new MessagesStreamOverChat(chat.path("model").asText(), MessagesOverChat.STANDARD_TIER), false,
              listener));
        }
        case CHAT_COMPLETIONS, COMPLETIONS -> {
          StreamRelay.WithUsage request = StreamRelay.WithUsage.of(body);
          yield stream(endpoint, request.body(),
              new StreamRelay(endpoint, StreamRelay.SAME, !request.callerAsked(), listener));
        }
        case RESPONSES -> stream(endpoint, body, new StreamRelay(endpoint, StreamRelay.SAME, false, listener));
        default -> Backend.super.stream(endpoint, body, listener);
      };
    } catch (Untranslatable e) {
      return StreamedCall.answered(e.answer());
    } catch (IOException e) {
      return StreamedCall.answered(new Outcome.Rejected(400, ErrorBodies.openAi("The request body is not a JSON"
          + " object.", "invalid_request_error", null), null));
    }
  }

  private StreamedCall stream(Endpoint endpoint, byte[] body, StreamRelay relay) {
    return http.stream(baseUrl + endpoint.pathBelowV1(), headers, body, "x-request-id", relay);
  }

  private Outcome post(Endpoint endpoint, byte[] body) {
    return http.post(baseUrl + endpoint.pathBelowV1(), headers, body, "x-request-id");
  }

  @Override
  public void close() {
    http.close();
  }
}
