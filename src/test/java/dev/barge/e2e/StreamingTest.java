package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.models.ChatModel;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code "stream": true}: answers passed on as server-sent events, through the official SDKs unchanged, on
 * a backend that speaks the caller's format and on one that speaks the other.
 */
class StreamingTest {
  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  /** Barge with one backend of {@code type} in front of the simulator over HTTP, {@code tokenMs} per event. */
  private void start(BackendType type, int tokenMs) {
    upstream = e2e.simulator(new SimulatorConfig(0, null, null, null, null, null, null, 7L, null, null, null, null,
        null, tokenMs));
    BackendConfig backend = new BackendConfig("sim-" + type.yamlName(), type, upstream.baseUrl(), "sim-key",
        List.of(MODEL), new LimitsConfig(null, null, 4), "30s", null);
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(backend)));
  }

  private AnthropicClient anthropic() {
    return AnthropicOkHttpClient.builder().baseUrl(barge.baseUrl.replace("/v1", "")).apiKey("unused").maxRetries(0)
        .build();
  }

  private static ChatCompletionCreateParams.Builder chat() {
    return ChatCompletionCreateParams.builder().model(ChatModel.of(MODEL)).addUserMessage("Tell me a story")
        .maxCompletionTokens(64);
  }

  private static MessageCreateParams message() {
    return MessageCreateParams.builder().model(MODEL).maxTokens(64).addUserMessage("Tell me a story").build();
  }

  @Test
  void aStreamedChatCompletionIsTheUnstreamedAnswerTokenByTokenAndItsUsageIsPriced() {
    start(BackendType.OPENAI, 1);
    OpenAIClient client = barge.client();
    ChatCompletion whole = client.chat().completions().create(chat().build());

    StringBuilder text = new StringBuilder();
    int chunks = 0;
    String finish = null;
    try (var stream = client.chat().completions().createStreaming(chat().build())) {
      for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
        chunks++;
        assertThat(chunk.usage()).as("no usage chunk unless asked for").isEmpty();
        for (var choice : chunk.choices()) {
          choice.delta().content().ifPresent(text::append);
          if (choice.finishReason().isPresent()) finish = choice.finishReason().get().asString();
        }
      }
    }
    assertThat(text.toString()).isEqualTo(whole.choices().getFirst().message().content().orElseThrow());
    assertThat(chunks).isGreaterThan(5);
    assertThat(finish).isEqualTo(whole.choices().getFirst().finishReason().asString());

    // Asked for, the usage chunk comes, and equals the unstreamed answer's; both calls are priced alike.
    long usageTokens = 0;
    try (var stream = client.chat().completions().createStreaming(chat()
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
      for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
        if (chunk.usage().isPresent()) usageTokens = chunk.usage().get().totalTokens();
      }
    }
    assertThat(usageTokens).isEqualTo(whole.usage().orElseThrow().totalTokens());
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode spend = barge.getJson("/barge/spend").at("/data/0");
      assertThat(spend.get("requests").asLong()).isEqualTo(3);
    });
  }

  @Test
  void messagesStreamThroughTheAnthropicSdkOnAnOpenAiBackendAsMessagesEvents() {
    start(BackendType.OPENAI, 1);
    AnthropicClient client = anthropic();
    Message whole = client.messages().create(message());

    StringBuilder text = new StringBuilder();
    long outputTokens = 0;
    boolean stopped = false;
    try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(message())) {
      for (RawMessageStreamEvent event : (Iterable<RawMessageStreamEvent>) stream.stream()::iterator) {
        event.contentBlockDelta().flatMap(d -> d.delta().text()).ifPresent(t -> text.append(t.text()));
        if (event.messageDelta().isPresent()) outputTokens = event.messageDelta().get().usage().outputTokens();
        if (event.isMessageStop()) stopped = true;
      }
    }
    assertThat(text.toString()).isEqualTo(whole.content().getFirst().asText().text());
    assertThat(outputTokens).isEqualTo(whole.usage().outputTokens());
    assertThat(stopped).isTrue();
  }

  @Test
  void chatStreamsOnAnAnthropicBackendAreTranslatedFromMessagesEvents() {
    start(BackendType.ANTHROPIC, 1);
    OpenAIClient client = barge.client();
    ChatCompletion whole = client.chat().completions().create(chat().build());

    StringBuilder text = new StringBuilder();
    long usageTokens = 0;
    try (var stream = client.chat().completions().createStreaming(chat()
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
      for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
        chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
        if (chunk.usage().isPresent()) usageTokens = chunk.usage().get().totalTokens();
      }
    }
    assertThat(text.toString()).isEqualTo(whole.choices().getFirst().message().content().orElseThrow());
    assertThat(usageTokens).isEqualTo(whole.usage().orElseThrow().totalTokens());

    StringBuilder messageText = new StringBuilder();
    try (StreamResponse<RawMessageStreamEvent> stream = anthropic().messages().createStreaming(message())) {
      stream.stream().forEach(e -> e.contentBlockDelta().flatMap(d -> d.delta().text())
          .ifPresent(t -> messageText.append(t.text())));
    }
    assertThat(messageText.toString()).isEqualTo(anthropic().messages().create(message()).content().getFirst()
        .asText().text());
  }

  @Test
  void aStreamedResponseEndsWithTheCompletedResponse() {
    start(BackendType.OPENAI, 1);
    OpenAIClient client = barge.client();
    ResponseCreateParams params = ResponseCreateParams.builder().model(MODEL).input("Tell me a story")
        .maxOutputTokens(400).build();
    Response whole = client.responses().create(params);

    StringBuilder text = new StringBuilder();
    Response completed = null;
    try (var stream = client.responses().createStreaming(params)) {
      for (ResponseStreamEvent event : (Iterable<ResponseStreamEvent>) stream.stream()::iterator) {
        event.outputTextDelta().ifPresent(d -> text.append(d.delta()));
        if (event.completed().isPresent()) completed = event.completed().get().response();
      }
    }
    String wholeText = whole.output().getFirst().asMessage().content().getFirst().asOutputText().text();
    assertThat(text.toString()).isEqualTo(wholeText);
    assertThat(completed).isNotNull();
    assertThat(completed.usage().orElseThrow().outputTokens()).isEqualTo(whole.usage().orElseThrow().outputTokens());
  }

  @Test
  void aCallerWhoDisconnectsMidStreamFreesItsSlotAndTheUpstreamCallAtOnce() throws Exception {
    start(BackendType.OPENAI, 200); // about 100 events: a stream of some 20 s
    URI api = URI.create(barge.baseUrl);
    String body = "{\"model\":\"" + MODEL + "\",\"stream\":true,\"max_tokens\":400,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a long story\"}]}";
    try (Socket socket = new Socket(api.getHost(), api.getPort())) {
      socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
          + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
      BufferedReader answer = new BufferedReader(new InputStreamReader(socket.getInputStream(),
          StandardCharsets.UTF_8));
      assertThat(answer.readLine()).isEqualTo("HTTP/1.1 200 OK");
      String line;
      boolean eventStream = false;
      while (!(line = answer.readLine()).isEmpty()) {
        eventStream |= line.toLowerCase(java.util.Locale.ROOT).startsWith("content-type: text/event-stream");
      }
      assertThat(eventStream).isTrue();
      while (!(line = answer.readLine()).startsWith("data: ")) { } // chunked framing around the first event
      assertThat(line).startsWith("data: {");
      assertThat(upstream.inFlight()).isEqualTo(1);
      assertThat(barge.getJson("/barge/backends").at("/data/0/in_flight").asInt()).isEqualTo(1);
    } // the caller hangs up, some 19 s before the stream's end
    Awaitility.await("Barge's call in flight ended").atMost(Duration.ofSeconds(3))
        .until(() -> barge.getJson("/barge/backends").at("/data/0/in_flight").asInt() == 0);
    Awaitility.await("the upstream call ended").atMost(Duration.ofSeconds(3)).until(() -> upstream.inFlight() == 0);
  }
}
