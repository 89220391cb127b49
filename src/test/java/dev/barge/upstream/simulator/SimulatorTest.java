package dev.barge.upstream.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.Endpoint;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SimulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHAT = """
      {"model":"sim-chat","messages":[
        {"role":"system","content":"Be brief."},{"role":"user","content":"Hello there"}]}""";

  private final Simulator simulator = new Simulator(SimulatorConfig.defaults(), Set.of(), new MutableClock());

  @Test
  void sameRequestGetsSameReply() throws Exception {
    JsonNode first = body(simulator.answer(Endpoint.CHAT_COMPLETIONS, bytes(CHAT)));
    JsonNode second = body(simulator.answer(Endpoint.CHAT_COMPLETIONS, bytes(CHAT)));

    assertThat(second.at("/choices/0/message/content")).isEqualTo(first.at("/choices/0/message/content"));
    assertThat(second.get("usage")).isEqualTo(first.get("usage"));
    assertThat(second.get("id")).isNotEqualTo(first.get("id"));
  }

  @Test
  void differentRequestsGetDifferentReplies() throws Exception {
    String other = CHAT.replace("Hello there", "Good morning");
    assertThat(body(simulator.answer(Endpoint.CHAT_COMPLETIONS, bytes(other))).at("/choices/0/message/content"))
        .isNotEqualTo(body(simulator.answer(Endpoint.CHAT_COMPLETIONS, bytes(CHAT))).at("/choices/0/message/content"));
  }

  @Test
  void chatCompletionHasTheOpenAiShapeAndSaysItIsSimulated() throws Exception {
    SimulatedAnswer answer = simulator.answer(Endpoint.CHAT_COMPLETIONS, bytes(CHAT));
    JsonNode body = body(answer);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(body.get("id").asText()).startsWith("chatcmpl-");
    assertThat(body.get("object").asText()).isEqualTo("chat.completion");
    assertThat(body.get("created").isIntegralNumber()).isTrue();
    assertThat(body.get("model").asText()).isEqualTo("sim-chat");
    assertThat(body.at("/choices/0/message/role").asText()).isEqualTo("assistant");
    assertThat(body.at("/choices/0/message/content").asText()).startsWith("Simulated reply #").contains("Hello there");
    assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    JsonNode usage = body.get("usage");
    assertThat(usage.get("total_tokens").asInt())
        .isEqualTo(usage.get("prompt_tokens").asInt() + usage.get("completion_tokens").asInt());
    assertThat(usage.at("/prompt_tokens_details/cached_tokens").asInt()).isZero();
    assertThat(usage.at("/completion_tokens_details/reasoning_tokens").asInt()).isZero();
  }

  @Test
  void usageFollowsPromptAndReplyLength() throws Exception {
    String longPrompt = "x".repeat(4000);
    JsonNode body = body(simulator.answer(Endpoint.CHAT_COMPLETIONS, bytes(
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + longPrompt + "\"}]}")));

    assertThat(body.at("/usage/prompt_tokens").asInt()).isBetween(1000, 1010);
    String reply = body.at("/choices/0/message/content").asText();
    assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo((reply.length() + 3) / 4);
  }

  @Test
  void replyIsCutAtMaxTokens() throws Exception {
    JsonNode body = body(simulator.answer(Endpoint.CHAT_COMPLETIONS, bytes(
        "{\"model\":\"m\",\"max_completion_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));

    assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(3);
    assertThat(body.at("/choices/0/message/content").asText()).hasSizeLessThanOrEqualTo(12);
    assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
  }

  @Test
  void completionsAnswerEachPrompt() throws Exception {
    JsonNode body = body(simulator.answer(Endpoint.COMPLETIONS, bytes(
        "{\"model\":\"m\",\"prompt\":[\"one\",\"two\"],\"max_tokens\":50}")));

    assertThat(body.get("id").asText()).startsWith("cmpl-");
    assertThat(body.get("object").asText()).isEqualTo("text_completion");
    assertThat(body.get("choices")).hasSize(2);
    assertThat(body.at("/choices/1/index").asInt()).isEqualTo(1);
    assertThat(body.at("/choices/1/text").asText()).contains("two");
    assertThat(body.at("/usage/completion_tokens").asInt()).isLessThanOrEqualTo(100);
  }

  @Test
  void responsesHaveTheResponseShapeAndUsage() throws Exception {
    JsonNode body = body(simulator.answer(Endpoint.RESPONSES, bytes(
        "{\"model\":\"m\",\"instructions\":\"Be brief.\",\"input\":\"Tell me a story\"}")));

    assertThat(body.get("id").asText()).startsWith("resp_");
    assertThat(body.get("object").asText()).isEqualTo("response");
    assertThat(body.get("status").asText()).isEqualTo("completed");
    assertThat(body.at("/output/0/type").asText()).isEqualTo("message");
    assertThat(body.at("/output/0/content/0/type").asText()).isEqualTo("output_text");
    assertThat(body.at("/output/0/content/0/text").asText()).contains("Tell me a story");
    JsonNode usage = body.get("usage");
    assertThat(usage.get("total_tokens").asInt())
        .isEqualTo(usage.get("input_tokens").asInt() + usage.get("output_tokens").asInt());
    assertThat(usage.at("/input_tokens_details/cached_tokens").asInt()).isZero();
    assertThat(usage.at("/output_tokens_details/reasoning_tokens").asInt()).isZero();
  }

  @Test
  void responseCutAtMaxOutputTokensIsIncomplete() throws Exception {
    JsonNode body = body(simulator.answer(Endpoint.RESPONSES, bytes(
        "{\"model\":\"m\",\"max_output_tokens\":2,\"input\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));

    assertThat(body.get("status").asText()).isEqualTo("incomplete");
    assertThat(body.at("/incomplete_details/reason").asText()).isEqualTo("max_output_tokens");
    assertThat(body.at("/usage/output_tokens").asInt()).isEqualTo(2);
  }

  @Test
  void embeddingsAreDeterministicUnitVectorsOfTheRequestedDimension() throws Exception {
    JsonNode body = body(simulator.answer(Endpoint.EMBEDDINGS, bytes(
        "{\"model\":\"sim-embed\",\"input\":[\"alpha\",\"beta\"],\"dimensions\":64}")));

    assertThat(body.get("object").asText()).isEqualTo("list");
    assertThat(body.get("data")).hasSize(2);
    JsonNode first = body.at("/data/0/embedding");
    assertThat(first).hasSize(64);
    double norm = Math.sqrt(IntStream.range(0, 64).mapToDouble(i -> first.get(i).asDouble() * first.get(i).asDouble())
        .sum());
    assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    assertThat(body.at("/data/1/index").asInt()).isEqualTo(1);
    assertThat(body.at("/usage/prompt_tokens").asInt()).isEqualTo(body.at("/usage/total_tokens").asInt()).isEqualTo(3);
    JsonNode alone = body(simulator.answer(Endpoint.EMBEDDINGS, bytes(
        "{\"model\":\"sim-embed\",\"input\":\"alpha\",\"dimensions\":64}")));
    assertThat(alone.at("/data/0/embedding")).isEqualTo(first);
  }

  @Test
  void embeddingsDefaultTo256Dimensions() throws Exception {
    JsonNode body = body(simulator.answer(Endpoint.EMBEDDINGS, bytes("{\"model\":\"e\",\"input\":\"x\"}")));
    assertThat(body.at("/data/0/embedding")).hasSize(256);
  }

  @Test
  void base64EmbeddingsDecodeToTheSameFloats() throws Exception {
    JsonNode floats = body(simulator.answer(Endpoint.EMBEDDINGS, bytes("{\"model\":\"e\",\"input\":\"gamma\"}")));
    JsonNode encoded = body(simulator.answer(Endpoint.EMBEDDINGS, bytes(
        "{\"model\":\"e\",\"input\":\"gamma\",\"encoding_format\":\"base64\"}")));

    ByteBuffer decoded = ByteBuffer.wrap(Base64.getDecoder().decode(encoded.at("/data/0/embedding").asText()))
        .order(ByteOrder.LITTLE_ENDIAN);
    JsonNode expected = floats.at("/data/0/embedding");
    assertThat(decoded.remaining()).isEqualTo(expected.size() * Float.BYTES);
    for (JsonNode value : expected) assertThat(decoded.getFloat()).isEqualTo(value.floatValue());
  }

  @Test
  void moderationsNeverFlag() throws Exception {
    JsonNode body = body(simulator.answer(Endpoint.MODERATIONS, bytes("{\"input\":[\"a\",\"b\"]}")));

    assertThat(body.get("id").asText()).startsWith("modr-");
    assertThat(body.get("model").asText()).isEqualTo("omni-moderation-latest");
    assertThat(body.get("results")).hasSize(2);
    assertThat(body.at("/results/0/flagged").asBoolean()).isFalse();
    assertThat(body.at("/results/0/categories/violence").asBoolean()).isFalse();
    assertThat(body.at("/results/0/category_scores/violence").asDouble()).isBetween(0.0, 0.01);
  }

  @Test
  void everyAnswerHasARequestIdAndJsonContentType() {
    for (String body : List.of(CHAT, "not json")) {
      SimulatedAnswer answer = simulator.answer(Endpoint.CHAT_COMPLETIONS, bytes(body));
      assertThat(answer.headers().get("x-request-id")).matches("req_[0-9a-f]{32}");
      assertThat(answer.headers().get("content-type")).isEqualTo("application/json");
    }
  }

  @Test
  void answerWaitsLatencyPlusJitter() {
    Simulator slow = new Simulator(new SimulatorConfig(100, 50, null, null, null, null, null, 1L), Set.of(),
        new MutableClock());
    for (int i = 0; i < 50; i++) {
      assertThat(slow.answer(Endpoint.CHAT_COMPLETIONS, bytes(CHAT)).delay())
          .isBetween(Duration.ofMillis(100), Duration.ofMillis(150));
    }
  }

  @Test
  void aboveItsCapacityEveryAnswerTakesLongerInProportion() {
    Simulator busy = new Simulator(new SimulatorConfig(100, 0, null, null, null, null, null, 1L, 2), Set.of(),
        new MutableClock());
    assertThat(busy.answer(Endpoint.CHAT_COMPLETIONS, bytes(CHAT)).delay()).isEqualTo(Duration.ofMillis(100));
    assertThat(busy.answer(Endpoint.CHAT_COMPLETIONS, bytes(CHAT)).delay()).isEqualTo(Duration.ofMillis(100));
    assertThat(busy.answer(Endpoint.CHAT_COMPLETIONS, bytes(CHAT)).delay()).isEqualTo(Duration.ofMillis(150));
    busy.delivered();
    busy.delivered();
    busy.delivered();
    assertThat(busy.answer(Endpoint.CHAT_COMPLETIONS, bytes(CHAT)).delay()).isEqualTo(Duration.ofMillis(100));
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static JsonNode body(SimulatedAnswer answer) throws Exception {
    return JSON.readTree(answer.body());
  }
}
