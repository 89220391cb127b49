package dev.barge.upstream;

import static dev.barge.upstream.GenerateContentOverChatTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.Billing;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A {@code gemini} backend: what it sends, and its answers from the simulator server's Gemini routes. */
class GeminiBackendTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] GENERATE = bytes("""
      {"model":"gemini-m","contents":[{"role":"user","parts":[{"text":"Hello there"}]}],
       "generationConfig":{"maxOutputTokens":8}}""");
  private static final byte[] EMBED = bytes("""
      {"model":"gemini-e","content":{"parts":[{"text":"a"},{"text":"b"}]},"output_dimensionality":16}""");
  private static SimulatorServer simulator;

  @BeforeAll
  static void start() {
    simulator = SimulatorServer.start("127.0.0.1", 0, SimulatorConfig.defaults(), Set.of("gemini-m", "gemini-e"));
  }

  @AfterAll
  static void stop() {
    simulator.close();
  }

  @Test
  void answersGenerateContentFromTheSimulatorServer() throws Exception {
    try (GeminiBackend backend = backend("http://127.0.0.1:" + simulator.port() + "/v1beta/")) {
      Outcome outcome = backend.send(Endpoint.GENERATE_CONTENT, GENERATE);

      assertThat(outcome).isInstanceOf(Outcome.Success.class);
      JsonNode answer = JSON.readTree(((Outcome.Success) outcome).body());
      assertThat(answer.at("/candidates/0/content/role").asText()).isEqualTo("model");
      assertThat(answer.at("/candidates/0/content/parts/0/text").asText()).startsWith("Simulated reply");
      assertThat(answer.at("/candidates/0/finishReason").asText()).isEqualTo("MAX_TOKENS");
      assertThat(answer.at("/usageMetadata/candidatesTokenCount").asInt()).isEqualTo(8);
      assertThat(answer.get("modelVersion").asText()).isEqualTo("gemini-m");
      assertThat(ResponseUsage.ofObject(((Outcome.Success) outcome).body()).outputTokens()).isEqualTo(8);
    }
  }

  @Test
  void answersEmbedContentFromTheSimulatorServer() throws Exception {
    try (GeminiBackend backend = backend("http://127.0.0.1:" + simulator.port() + "/v1beta")) {
      Outcome outcome = backend.send(Endpoint.EMBED_CONTENT, EMBED);

      assertThat(outcome).isInstanceOf(Outcome.Success.class);
      JsonNode answer = JSON.readTree(((Outcome.Success) outcome).body());
      assertThat(answer.at("/embedding/values")).hasSize(16);
      assertThat(answer.at("/usageMetadata/promptTokenCount").asInt()).isPositive();
    }
  }

  @Test
  void errorsComeInGooglesEnvelope() throws Exception {
    try (GeminiBackend backend = backend("http://127.0.0.1:" + simulator.port() + "/v1beta")) {
      Outcome unknown = backend.send(Endpoint.GENERATE_CONTENT, bytes(new String(GENERATE, StandardCharsets.UTF_8)
          .replace("gemini-m", "gemini-x")));
      assertThat(unknown).isInstanceOfSatisfying(Outcome.Rejected.class, r -> {
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.body()).contains("\"status\":\"NOT_FOUND\"");
      });
      Outcome noContents = backend.send(Endpoint.GENERATE_CONTENT, bytes("{\"model\":\"gemini-m\"}"));
      assertThat(noContents).isInstanceOfSatisfying(Outcome.Rejected.class,
          r -> assertThat(r.body()).contains("\"status\":\"INVALID_ARGUMENT\"").contains("contents"));
      Outcome chat = backend.send(Endpoint.CHAT_COMPLETIONS, bytes("{\"model\":\"gemini-m\",\"messages\":[]}"));
      assertThat(chat).isInstanceOfSatisfying(Outcome.Rejected.class,
          r -> assertThat(r.body()).contains("not served by a Gemini backend"));
      assertThat(backend.serves(Endpoint.CHAT_COMPLETIONS)).isFalse();
      assertThat(backend.serves(Endpoint.EMBED_CONTENT)).isTrue();
    }
  }

  @Test
  void sendsTheBodyWithoutItsModelToTheModelsMethodWithTheKey() throws Exception {
    Map<String, String> seen = new ConcurrentHashMap<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      seen.put("path", exchange.getRequestURI().getPath());
      seen.put("key", String.valueOf(exchange.getRequestHeaders().getFirst("x-goog-api-key")));
      seen.put("body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      byte[] answer = bytes("{\"embedding\":{\"values\":[1]}}");
      exchange.sendResponseHeaders(200, answer.length);
      exchange.getResponseBody().write(answer);
      exchange.close();
    });
    server.start();
    try (GeminiBackend backend = backend("http://127.0.0.1:" + server.getAddress().getPort() + "/v1beta")) {
      assertThat(backend.send(Endpoint.EMBED_CONTENT, EMBED)).isInstanceOf(Outcome.Success.class);
      assertThat(seen).containsEntry("path", "/v1beta/models/gemini-e:embedContent")
          .containsEntry("key", "g-key");
      assertThat(JSON.readTree(seen.get("body"))).isEqualTo(JSON.readTree(
          "{\"content\":{\"parts\":[{\"text\":\"a\"},{\"text\":\"b\"}]},\"output_dimensionality\":16}"));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void configNeedsABaseUrlAndBillsAtListPrice() {
    BackendConfig config = new BackendConfig("g", BackendType.of("gemini"), "https://generativelanguage.googleapis.com/v1beta",
        null, List.of("gemini-m"), null, null, null);
    assertThat(config.billing()).isEqualTo(Billing.LIST);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BackendConfig("g", BackendType.GEMINI, null, null,
        List.of("gemini-m"), null, null, null)).hasMessageContaining("base_url");
  }

  private static GeminiBackend backend(String baseUrl) {
    return new GeminiBackend(new BackendConfig("gemini", BackendType.GEMINI, baseUrl, "g-key",
        List.of("gemini-m", "gemini-e"), null, "10s", null), Clock.systemUTC());
  }
}
