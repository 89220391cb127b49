package dev.barge.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The endpoints {@code barge prep} writes requests for, each with the shape of its request body. */
enum PrepEndpoint {
  CHAT_COMPLETIONS("/v1/chat/completions") {
    @Override
    void fill(ObjectNode body, String text, String system, Integer maxTokens) {
      var messages = body.putArray("messages");
      if (system != null) messages.addObject().put("role", "system").put("content", system);
      messages.addObject().put("role", "user").put("content", text);
      if (maxTokens != null) body.put("max_completion_tokens", maxTokens);
    }
  },
  RESPONSES("/v1/responses") {
    @Override
    void fill(ObjectNode body, String text, String system, Integer maxTokens) {
      if (system != null) body.put("instructions", system);
      body.put("input", text);
      if (maxTokens != null) body.put("max_output_tokens", maxTokens);
    }
  },
  COMPLETIONS("/v1/completions") {
    @Override
    void fill(ObjectNode body, String text, String system, Integer maxTokens) {
      body.put("prompt", system == null ? text : system + "\n\n" + text);
      if (maxTokens != null) body.put("max_tokens", maxTokens);
    }
  },
  EMBEDDINGS("/v1/embeddings") {
    @Override
    void fill(ObjectNode body, String text, String system, Integer maxTokens) {
      body.put("input", text);
    }
  };

  private final String path;

  PrepEndpoint(String path) {
    this.path = path;
  }

  String path() {
    return path;
  }

  /** Writes {@code text} (with the system prompt and token limit, where the endpoint has them) into {@code body}. */
  abstract void fill(ObjectNode body, String text, String system, Integer maxTokens);

  /** Reads {@code --endpoint} as its path, naming the ones there are when it is none of them. */
  static final class Converter implements ITypeConverter<PrepEndpoint> {
    @Override
    public PrepEndpoint convert(String value) {
      return Arrays.stream(values()).filter(e -> e.path.equals(value)).findFirst()
          .orElseThrow(() -> new TypeConversionException(value + " is not an endpoint prep writes; use "
              + Arrays.stream(values()).map(PrepEndpoint::path).collect(Collectors.joining(", "))));
    }
  }
}
