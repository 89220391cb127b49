package dev.barge.upstream.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.moderations.ModerationCreateParams;
import com.openai.models.moderations.ModerationCreateResponse;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import dev.barge.config.SimulatorConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SimulatorServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static SimulatorServer server;

  @BeforeAll
  static void start() {
    server = SimulatorServer.start("127.0.0.1", 0, SimulatorConfig.defaults(), Set.of("sim-chat", "sim-embed"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void answersChatCompletionsOverHttp() throws Exception {
    HttpResponse<String> response = post("/chat/completions",
        "{\"model\":\"sim-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");

    assertThat(server.baseUrl()).isEqualTo("http://127.0.0.1:" + server.port() + "/v1");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith(
        "application/json"));
    assertThat(response.headers().firstValue("x-request-id")).hasValueSatisfying(v -> assertThat(v).startsWith("req_"));
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("object").asText()).isEqualTo("chat.completion");
    assertThat(body.at("/choices/0/message/content").asText()).startsWith("Simulated reply");
  }

  @Test
  void badInputGets400Envelope() throws Exception {
    HttpResponse<String> response = post("/chat/completions", "{not json");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(response.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
  }

  @Test
  void unknownModelGets404ModelNotFound() throws Exception {
    HttpResponse<String> response = post("/embeddings", "{\"model\":\"gpt-4o\",\"input\":\"x\"}");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(response.body()).at("/error/code").asText()).isEqualTo("model_not_found");
  }

  @Test
  void unknownRouteGets404Envelope() throws Exception {
    HttpResponse<String> response = post("/images/generations", "{}");

    assertThat(response.statusCode()).isEqualTo(404);
    JsonNode error = JSON.readTree(response.body()).get("error");
    assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.has("param")).isTrue();
  }

  @Test
  void listsTheServedModels() throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/models")).build(),
        HttpResponse.BodyHandlers.ofString());

    JsonNode body = JSON.readTree(response.body());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(body.get("object").asText()).isEqualTo("list");
    assertThat(body.findValuesAsText("id")).containsExactly("sim-chat", "sim-embed");
    assertThat(body.at("/data/0/object").asText()).isEqualTo("model");
  }

  @Test
  void anyModelServerListsTheSimulatorModel() throws Exception {
    try (SimulatorServer any = SimulatorServer.start("127.0.0.1", 0, SimulatorConfig.defaults(), Set.of())) {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(any.baseUrl() + "/models")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(JSON.readTree(response.body()).findValuesAsText("id")).containsExactly("simulator");
    }
  }

  @Test
  void officialOpenAiSdkParsesEveryResponseShape() {
    OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl()).apiKey("unused").maxRetries(0)
        .build();
    try {
      ChatCompletion chat = client.chat().completions().create(ChatCompletionCreateParams.builder()
          .model("sim-chat").addUserMessage("Hello from the SDK").maxCompletionTokens(50).build());
      chat.validate();
      assertThat(chat.choices().getFirst().message().content()).hasValueSatisfying(c -> assertThat(c).contains(
          "Hello from the SDK"));
      assertThat(chat.usage()).hasValueSatisfying(u -> assertThat(u.completionTokens()).isBetween(1L, 50L));

      CreateEmbeddingResponse embeddings = client.embeddings().create(EmbeddingCreateParams.builder()
          .model("sim-embed").input("vector me").dimensions(32).build());
      embeddings.validate();
      assertThat(embeddings.data().getFirst().embedding()).hasSize(32);

      Response response = client.responses().create(ResponseCreateParams.builder()
          .model("sim-chat").input("Hello responses").build());
      response.validate();
      assertThat(response.output().getFirst().asMessage().content().getFirst().asOutputText().text())
          .contains("Hello responses");

      ModerationCreateResponse moderation = client.moderations().create(ModerationCreateParams.builder()
          .model("sim-chat").input("be nice").build());
      moderation.validate();
      assertThat(moderation.results().getFirst().flagged()).isFalse();
    } finally {
      client.close();
    }
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
