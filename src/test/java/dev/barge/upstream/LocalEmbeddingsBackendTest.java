package dev.barge.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.core.ObjectMappers;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.LimitsConfig;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LocalEmbeddingsBackendTest {
  // Exact decimals, so a float read back from JSON text is the float the backend wrote.
  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private static LocalEmbeddingsBackend backend;

  @BeforeAll
  static void start() {
    backend = new LocalEmbeddingsBackend(BackendConfig.localEmbeddings());
  }

  @AfterAll
  static void stop() {
    backend.close();
  }

  @Test
  void stringInputYieldsOneUnitVectorWithUsage() throws Exception {
    JsonNode response = embed("{\"model\":\"all-MiniLM-L6-v2\",\"input\":\"The quick brown fox jumps over the lazy dog.\"}");

    assertThat(response.path("object").asText()).isEqualTo("list");
    assertThat(response.path("model").asText()).isEqualTo("all-MiniLM-L6-v2");
    assertThat(response.path("data")).hasSize(1);
    JsonNode item = response.path("data").get(0);
    assertThat(item.path("object").asText()).isEqualTo("embedding");
    assertThat(item.path("index").asInt()).isZero();
    float[] vector = floats(item.path("embedding"));
    assertThat(vector).hasSize(384);
    assertThat(norm(vector)).isCloseTo(1.0, within(1e-4));
    assertThat(response.path("usage").path("prompt_tokens").asInt()).isPositive();
    assertThat(response.path("usage").path("total_tokens").asInt()).isEqualTo(response.path("usage").path("prompt_tokens").asInt());
    assertThat(response.has("barge")).as("an input within the window is answered exactly as OpenAI would").isFalse();
  }

  @Test
  void aLongInputIsEmbeddedByItsFirstTokensAsTheModelDoesAndTheAnswerSaysSo() throws Exception {
    StringBuilder text = new StringBuilder();
    String[] words = {"barges", "carry", "grain", "down", "the", "river,", "slowly;", "tugs", "push", "them", "1879"};
    for (int i = 0; text.length() < 300_000; i++) text.append(words[i % words.length]).append(i % 17 == 0 ? "\n" : " ");
    String body = JSON.createObjectNode().put("model", "all-MiniLM-L6-v2")
        .set("input", JSON.valueToTree(List.of("a short one", text.toString()))).toString();

    Outcome.Success answer = (Outcome.Success) backend.send(Endpoint.EMBEDDINGS, body.getBytes(StandardCharsets.UTF_8));

    JsonNode response = JSON.readTree(answer.body());
    assertThat(response.at("/barge/truncated_inputs")).containsExactly(JSON.getNodeFactory().numberNode(1));
    assertThat(response.at("/barge/window_tokens").asInt()).isEqualTo(126);
    assertThat(response.at("/data/1/embedding")).hasSize(384);
    // Cut before the tokenizer, the text still gives the very vector the model makes of all of it.
    float[] whole = new AllMiniLmL6V2EmbeddingModel(Runnable::run).embed(text.toString()).content().vector();
    assertThat(floats(response.at("/data/1/embedding"))).containsExactly(whole);
    // The official SDK reads the answer, extension and all.
    CreateEmbeddingResponse parsed = ObjectMappers.jsonMapper().readValue(answer.body(), CreateEmbeddingResponse.class);
    assertThat(parsed.data()).hasSize(2);
    assertThat(parsed.usage().promptTokens()).isEqualTo(response.at("/usage/prompt_tokens").asLong());
  }

  @Test
  void aRequestOverTheByteLimitIsRefusedNamingInput() throws Exception {
    String body = JSON.createObjectNode().put("model", "all-MiniLM-L6-v2")
        .put("input", "word ".repeat(LocalEmbeddingsBackend.MAX_BODY_BYTES / 5 + 1)).toString();

    Outcome outcome = backend.send(Endpoint.EMBEDDINGS, body.getBytes(StandardCharsets.UTF_8));

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class, r -> assertThat(r.status()).isEqualTo(400));
    JsonNode error = JSON.readTree(((Outcome.Rejected) outcome).body()).path("error");
    assertThat(error.path("param").asText()).isEqualTo("input");
    assertThat(error.path("message").asText()).contains(Integer.toString(LocalEmbeddingsBackend.MAX_BODY_BYTES));
  }

  @Test
  void arrayInputYieldsOneVectorPerInputInOrder() throws Exception {
    List<String> texts = List.of("first sentence", "a second, different one", "and a third about databases");
    JsonNode response = embed(JSON.createObjectNode().put("model", "all-MiniLM-L6-v2")
        .set("input", JSON.valueToTree(texts)).toString());

    assertThat(response.path("data")).hasSize(3);
    for (int i = 0; i < texts.size(); i++) {
      JsonNode item = response.path("data").get(i);
      assertThat(item.path("index").asInt()).isEqualTo(i);
      assertThat(floats(item.path("embedding"))).containsExactly(vectorOf(texts.get(i)));
    }
  }

  @Test
  void sameTextGivesSameVector() throws Exception {
    assertThat(vectorOf("Barge runs batches.")).containsExactly(vectorOf("Barge runs batches."));
  }

  @Test
  void similarSentencesAreCloserThanUnrelatedOnes() throws Exception {
    float[] cat = vectorOf("A cat is sleeping on the sofa.");
    float[] kitten = vectorOf("A kitten naps on the couch.");
    float[] tax = vectorOf("Quarterly tax filings are due in April.");

    assertThat(dot(cat, kitten)).isGreaterThan(dot(cat, tax) + 0.2);
  }

  @Test
  void base64DecodesToTheSameFloats() throws Exception {
    JsonNode response = embed("{\"model\":\"all-MiniLM-L6-v2\",\"input\":\"hello world\",\"encoding_format\":\"base64\"}");

    ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(response.path("data").get(0).path("embedding").asText()))
        .order(ByteOrder.LITTLE_ENDIAN);
    float[] decoded = new float[bytes.remaining() / Float.BYTES];
    bytes.asFloatBuffer().get(decoded);
    assertThat(decoded).containsExactly(vectorOf("hello world"));
  }

  @ParameterizedTest(name = "{0} -> param {1}")
  @CsvSource(delimiter = '|', value = {
      "{\"model\":\"all-MiniLM-L6-v2\",\"input\":[1,2,3]}                         | input",
      "{\"model\":\"all-MiniLM-L6-v2\",\"input\":[[1,2],[3]]}                     | input",
      "{\"model\":\"all-MiniLM-L6-v2\"}                                           | input",
      "{\"model\":\"all-MiniLM-L6-v2\",\"input\":[]}                              | input",
      "{\"model\":\"all-MiniLM-L6-v2\",\"input\":[\"ok\",\"  \"]}                 | input",
      "{\"model\":\"all-MiniLM-L6-v2\",\"input\":\"x\",\"dimensions\":256}        | dimensions",
      "{\"model\":\"all-MiniLM-L6-v2\",\"input\":\"x\",\"encoding_format\":\"int8\"} | encoding_format",
      "{\"input\":\"x\"}                                                          | model",
  })
  void badInputIsRejectedNamingTheParam(String body, String param) throws Exception {
    Outcome outcome = backend.send(Endpoint.EMBEDDINGS, body.getBytes(StandardCharsets.UTF_8));

    assertThat(outcome).isInstanceOf(Outcome.Rejected.class);
    var rejected = (Outcome.Rejected) outcome;
    assertThat(rejected.status()).isEqualTo(400);
    assertThat(rejected.requestId()).startsWith("req_");
    JsonNode error = JSON.readTree(rejected.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("param").asText()).isEqualTo(param);
    assertThat(error.path("message").asText()).isNotBlank();
  }

  @Test
  void bodyThatIsNotJsonIsRejected() {
    Outcome outcome = backend.send(Endpoint.EMBEDDINGS, "{not json".getBytes(StandardCharsets.UTF_8));

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class, r -> assertThat(r.status()).isEqualTo(400));
  }

  @Test
  void unknownModelIsNotFound() throws Exception {
    Outcome outcome = backend.send(Endpoint.EMBEDDINGS, "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}".getBytes());

    assertThat(outcome).isInstanceOf(Outcome.Rejected.class);
    var rejected = (Outcome.Rejected) outcome;
    assertThat(rejected.status()).isEqualTo(404);
    assertThat(JSON.readTree(rejected.body()).path("error").path("code").asText()).isEqualTo("model_not_found");
  }

  @Test
  void otherEndpointsAreNotServed() throws Exception {
    Outcome outcome = backend.send(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"all-MiniLM-L6-v2\",\"messages\":[]}".getBytes());

    assertThat(outcome).isInstanceOf(Outcome.Rejected.class);
    var rejected = (Outcome.Rejected) outcome;
    assertThat(rejected.status()).isEqualTo(404);
    assertThat(JSON.readTree(rejected.body()).path("error").path("message").asText()).contains("/v1/embeddings");
  }

  @Test
  void concurrencyComesFromLimitsElseTheCores() {
    BackendConfig limited = new BackendConfig("e", BackendType.EMBEDDINGS_LOCAL, null, null, null, new LimitsConfig(null, null, 3), null, null);
    try (LocalEmbeddingsBackend three = new LocalEmbeddingsBackend(limited)) {
      assertThat(three.maxConcurrency()).isEqualTo(3);
    }
    assertThat(backend.maxConcurrency()).isEqualTo(Runtime.getRuntime().availableProcessors());
  }

  private static JsonNode embed(String body) throws Exception {
    Outcome outcome = backend.send(Endpoint.EMBEDDINGS, body.getBytes(StandardCharsets.UTF_8));
    assertThat(outcome).isInstanceOf(Outcome.Success.class);
    Outcome.Success success = (Outcome.Success) outcome;
    assertThat(success.status()).isEqualTo(200);
    assertThat(success.requestId()).matches("req_[0-9a-f]{32}");
    return JSON.readTree(success.body());
  }

  private static float[] vectorOf(String text) throws Exception {
    String body = JSON.createObjectNode().put("model", "all-MiniLM-L6-v2").put("input", text).toString();
    return floats(embed(body).path("data").get(0).path("embedding"));
  }

  private static float[] floats(JsonNode array) {
    float[] out = new float[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).floatValue();
    return out;
  }

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) sum += a[i] * b[i];
    return sum;
  }

  private static double norm(float[] v) {
    return Math.sqrt(dot(v, v));
  }
}
