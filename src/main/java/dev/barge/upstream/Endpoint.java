package dev.barge.upstream;

import java.util.Arrays;
import java.util.Optional;

/**
 * The endpoints a batch line may target: the OpenAI-format ones, Anthropic's Messages (the requests of
 * Message Batches) and Gemini's generateContent and embedContent (the requests of Gemini batches), which
 * backends of other types serve by translation. A Gemini line names its model in {@code body.model}, as
 * every line does; the Gemini API itself has it in the URL.
 */
public enum Endpoint {
  CHAT_COMPLETIONS("/v1/chat/completions"),
  COMPLETIONS("/v1/completions"),
  EMBEDDINGS("/v1/embeddings"),
  RESPONSES("/v1/responses"),
  MODERATIONS("/v1/moderations"),
  MESSAGES("/v1/messages"),
  GENERATE_CONTENT("/v1beta/models:generateContent"),
  EMBED_CONTENT("/v1beta/models:embedContent");

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
    return this == CHAT_COMPLETIONS || this == COMPLETIONS || this == RESPONSES || this == MESSAGES
        || this == GENERATE_CONTENT;
  }

  public static Optional<Endpoint> ofPath(String path) {
    return Arrays.stream(values()).filter(e -> e.path.equals(path)).findFirst();
  }
}
