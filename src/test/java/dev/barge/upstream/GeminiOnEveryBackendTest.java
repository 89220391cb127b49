package dev.barge.upstream;

import static dev.barge.upstream.GenerateContentOverChatTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.simulator.SimulatorBackend;
import dev.barge.upstream.simulator.SimulatorServer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The same Gemini lines answered in Gemini's format by every type of backend that serves them. */
class GeminiOnEveryBackendTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] GENERATE = bytes("""
      {"model":"m","contents":[{"role":"user","parts":[{"text":"Hello there"}]}],
       "systemInstruction":{"parts":[{"text":"be brief"}]},"generationConfig":{"maxOutputTokens":500}}""");
  private static final byte[] EMBED = bytes("{\"model\":\"m\",\"content\":{\"parts\":[{\"text\":\"a\"}]}}");
  private static SimulatorServer server;

  @BeforeAll
  static void start() {
    server = SimulatorServer.start("127.0.0.1", 0, SimulatorConfig.defaults(), Set.of("m"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void generateContent() throws Exception {
    for (Backend backend : List.of(backend(BackendType.OPENAI, server.baseUrl()),
        backend(BackendType.ANTHROPIC, server.baseUrl()), backend(BackendType.SIMULATOR, null),
        backend(BackendType.GEMINI, "http://127.0.0.1:" + server.port() + "/v1beta"))) {
      try (backend) {
        assertThat(backend.serves(Endpoint.GENERATE_CONTENT)).isTrue();
        JsonNode answer = success(backend.send(Endpoint.GENERATE_CONTENT, GENERATE), backend);
        assertThat(answer.at("/candidates/0/content/parts/0/text").asText()).as(backend.name())
            .startsWith("Simulated reply");
        assertThat(answer.at("/candidates/0/finishReason").asText()).as(backend.name()).isEqualTo("STOP");
        JsonNode usage = answer.get("usageMetadata");
        assertThat(usage.get("totalTokenCount").asLong()).as(backend.name())
            .isEqualTo(usage.get("promptTokenCount").asLong() + usage.get("candidatesTokenCount").asLong());
        assertThat(answer.get("modelVersion").asText()).isEqualTo("m");
      }
    }
  }

  @Test
  void embedContent() throws Exception {
    for (Backend backend : List.of(backend(BackendType.OPENAI, server.baseUrl()), backend(BackendType.SIMULATOR, null),
        backend(BackendType.GEMINI, "http://127.0.0.1:" + server.port() + "/v1beta"))) {
      try (backend) {
        JsonNode answer = success(backend.send(Endpoint.EMBED_CONTENT, EMBED), backend);
        assertThat(answer.at("/embedding/values").size()).as(backend.name()).isPositive();
        assertThat(answer.at("/usageMetadata/promptTokenCount").asInt()).as(backend.name()).isPositive();
      }
    }
    try (Backend anthropic = backend(BackendType.ANTHROPIC, server.baseUrl())) {
      assertThat(anthropic.serves(Endpoint.EMBED_CONTENT)).isFalse();
    }
  }

  @Test
  void localEmbeddingsServeEmbedContent() throws Exception {
    try (LocalEmbeddingsBackend local = new LocalEmbeddingsBackend(BackendConfig.localEmbeddings())) {
      assertThat(local.serves(Endpoint.EMBED_CONTENT)).isTrue();
      JsonNode answer = success(local.send(Endpoint.EMBED_CONTENT,
          bytes("{\"model\":\"all-MiniLM-L6-v2\",\"content\":{\"parts\":[{\"text\":\"The quick brown fox\"}]}}")), local);
      assertThat(answer.at("/embedding/values")).hasSize(384);
      Outcome wrongSize = local.send(Endpoint.EMBED_CONTENT, bytes("{\"model\":\"all-MiniLM-L6-v2\",\"content\":"
          + "{\"parts\":[{\"text\":\"x\"}]},\"outputDimensionality\":64}"));
      assertThat(wrongSize).isInstanceOfSatisfying(Outcome.Rejected.class,
          r -> assertThat(r.body()).contains("\"status\":\"INVALID_ARGUMENT\"").contains("384"));
    }
  }

  @Test
  void simulatorErrorsOnGeminiEndpointsSpeakGoogle() {
    try (Backend simulator = backend(BackendType.SIMULATOR, null)) {
      Outcome unknown = simulator.send(Endpoint.GENERATE_CONTENT, bytes(new String(GENERATE, StandardCharsets.UTF_8)
          .replace("\"m\"", "\"other\"")));
      assertThat(unknown).isInstanceOfSatisfying(Outcome.Rejected.class,
          r -> assertThat(r.body()).contains("\"status\":\"NOT_FOUND\""));
      Outcome empty = simulator.send(Endpoint.GENERATE_CONTENT, bytes("{\"model\":\"m\",\"contents\":[]}"));
      assertThat(empty).isInstanceOfSatisfying(Outcome.Rejected.class,
          r -> assertThat(r.body()).contains("\"status\":\"INVALID_ARGUMENT\""));
    }
  }

  private static JsonNode success(Outcome outcome, Backend backend) throws Exception {
    assertThat(outcome).as(backend.name()).isInstanceOf(Outcome.Success.class);
    return JSON.readTree(((Outcome.Success) outcome).body());
  }

  private static Backend backend(BackendType type, String baseUrl) {
    BackendConfig config = new BackendConfig(type.yamlName(), type, baseUrl, null, List.of("m"), null, "10s", null);
    return switch (type) {
      case OPENAI -> new OpenAiCompatibleBackend(config, Clock.systemUTC());
      case ANTHROPIC -> new AnthropicBackend(config, Clock.systemUTC());
      case GEMINI -> new GeminiBackend(config, Clock.systemUTC());
      case SIMULATOR -> new SimulatorBackend(config, Clock.systemUTC());
      case EMBEDDINGS_LOCAL -> new LocalEmbeddingsBackend(config);
    };
  }
}
