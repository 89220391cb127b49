package dev.barge.upstream;

import java.util.Arrays;
import java.util.Optional;

/**
 * The endpoints a batch line may target: the OpenAI-format ones, and Anthropic's Messages (the requests of
 * Message Batches), which backends of OpenAI type serve by translation to chat completions.
 */
public enum Endpoint {
  CHAT_COMPLETIONS("/v1/chat/completions"),
  COMPLETIONS("/v1/completions"),
  EMBEDDINGS("/v1/embeddings"),
  RESPONSES("/v1/responses"),
  MODERATIONS("/v1/moderations"),
  MESSAGES("/v1/messages");

  private final String path;

  Endpoint(String path) {
    this.path = path;
  }

  /** The path as written in batch lines and on the API, e.g. {@code /v1/chat/completions}. */
  public String path() {
    return path;
  }

  /** The path below an OpenAI-style base URL that already ends in {@code /v1}, e.g. {@code /chat/completions}. */
  public String pathBelowV1() {
    return path.substring("/v1".length());
  }

  /** Whether answers are generated text, whose length counts against token limits (not embeddings, moderations). */
  public boolean generatesText() {
    return this == CHAT_COMPLETIONS || this == COMPLETIONS || this == RESPONSES || this == MESSAGES;
  }

  public static Optional<Endpoint> ofPath(String path) {
    return Arrays.stream(values()).filter(e -> e.path.equals(path)).findFirst();
  }
}
