package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * A Messages event stream ({@code message_start} … {@code message_stop}) as a chat completions stream:
 * one {@code chat.completion.chunk} per text delta, the finish reason on its own chunk, then a chunk of
 * usage only (which {@link StreamRelay} keeps back from a caller who did not ask for it) and
 * {@code [DONE]}. Text only: other content blocks are not carried.
 */
final class ChatStreamOverMessages implements StreamRelay.Translation {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String id = "chatcmpl-" + RandomIds.hex();
  private final long created = Instant.now().getEpochSecond();
  private String model = "";
  private long inputTokens;
  private long cachedTokens;
  private long outputTokens;

  @Override
  public List<SseEvent> next(SseEvent upstream) throws IOException {
    JsonNode event = JSON.readTree(upstream.data());
    return switch (event.path("type").asText()) {
      case "message_start" -> {
        JsonNode message = event.path("message");
        model = message.path("model").asText(model);
        JsonNode usage = message.path("usage");
        inputTokens = usage.path("input_tokens").asLong() + usage.path("cache_read_input_tokens").asLong(0)
            + usage.path("cache_creation_input_tokens").asLong(0);
        cachedTokens = usage.path("cache_read_input_tokens").asLong(0);
        outputTokens = usage.path("output_tokens").asLong();
        ObjectNode chunk = chunk();
        choice(chunk).putObject("delta").put("role", "assistant").put("content", "");
        yield List.of(SseEvent.data(chunk.toString()));
      }
      case "content_block_delta" -> {
        JsonNode delta = event.path("delta");
        if (!"text_delta".equals(delta.path("type").asText())) yield List.of();
        ObjectNode chunk = chunk();
        choice(chunk).putObject("delta").put("content", delta.path("text").asText());
        yield List.of(SseEvent.data(chunk.toString()));
      }
      case "message_delta" -> {
        JsonNode usage = event.path("usage");
        if (usage.has("output_tokens")) outputTokens = usage.path("output_tokens").asLong();
        if (usage.hasNonNull("input_tokens")) inputTokens = usage.path("input_tokens").asLong();
        ObjectNode chunk = chunk();
        ObjectNode choice = choice(chunk);
        choice.putObject("delta");
        choice.put("finish_reason", finishReason(event.path("delta").path("stop_reason").asText()));
        yield List.of(SseEvent.data(chunk.toString()));
      }
      case "message_stop" -> {
        ObjectNode chunk = chunk();
        chunk.putArray("choices");
        ObjectNode usage = chunk.putObject("usage").put("prompt_tokens", inputTokens)
            .put("completion_tokens", outputTokens).put("total_tokens", inputTokens + outputTokens);
        usage.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
        yield List.of(SseEvent.data(chunk.toString()), SseEvent.data(SseEvent.DONE));
      }
      case "error" -> {
        JsonNode error = event.path("error");
        ObjectNode chunk = JSON.createObjectNode();
        chunk.putObject("error").put("message", error.path("message").asText()).put("type",
            error.path("type").asText("server_error")).putNull("param").putNull("code");
        yield List.of(SseEvent.data(chunk.toString()));
      }
      default -> List.of(); // ping, content_block_start, content_block_stop
    };
  }

  private ObjectNode chunk() {
    ObjectNode chunk = JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
        .put("created", created).put("model", model);
    return chunk;
  }

  private static ObjectNode choice(ObjectNode chunk) {
    ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
    choice.putNull("logprobs");
    choice.putNull("finish_reason");
    return choice;
  }

  static String finishReason(String stopReason) {
    return switch (stopReason) {
      case "max_tokens" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal" -> "content_filter";
      default -> "stop"; // end_turn, stop_sequence, pause_turn
    };
  }
}
