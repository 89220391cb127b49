package dev.barge.upstream.simulator;

import static dev.barge.upstream.simulator.SimulatorTest.body;
import static dev.barge.upstream.simulator.SimulatorTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.Endpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SimulatorErrorsTest {
  private static final String CHAT = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  private final Simulator simulator = new Simulator(SimulatorConfig.defaults(), Set.of("m"), new MutableClock());

  @Test
  void bodyThatIsNotAJsonObjectIs400() throws Exception {
    for (String body : List.of("not json", "[1,2]", "\"text\"", "")) {
      SimulatedAnswer answer = simulator.answer(Endpoint.CHAT_COMPLETIONS, bytes(body));
      assertThat(answer.status()).isEqualTo(400);
      assertEnvelope(body(answer), "invalid_request_error");
    }
  }

  @Test
  void missingModelIs400OnParamModel() throws Exception {
    SimulatedAnswer answer = simulator.answer(Endpoint.CHAT_COMPLETIONS, bytes("{\"messages\":[]}"));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(body(answer).at("/error/param").asText()).isEqualTo("model");
    assertThat(body(answer).at("/error/code").asText()).isEqualTo("missing_required_parameter");
  }

  @Test
  void streamingEmbeddingsIs400() throws Exception {
    SimulatedAnswer answer = simulator.answer(Endpoint.EMBEDDINGS, bytes("{\"model\":\"m\",\"input\":\"hi\",\"stream\":true}"));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(body(answer).at("/error/param").asText()).isEqualTo("stream");
  }

  @Test
  void aStreamedChatAnswerTellsTheUnstreamedTextEventByEvent() throws Exception {
    SimulatedAnswer whole = simulator.answer(Endpoint.CHAT_COMPLETIONS, bytes(CHAT));
    SimulatedAnswer streamed = simulator.answer(Endpoint.CHAT_COMPLETIONS,
        bytes(CHAT.replaceFirst("\\{", "{\"stream\":true,")));

    assertThat(streamed.status()).isEqualTo(200);
    assertThat(streamed.headers()).containsEntry("content-type", "text/event-stream");
    StringBuilder text = new StringBuilder();
    for (var event : streamed.events()) {
      if (event.isDone()) continue;
      text.append(new ObjectMapper().readTree(event.data()).at("/choices/0/delta/content").asText(""));
    }
    assertThat(streamed.events().getLast().isDone()).isTrue();
    assertThat(text.toString()).isEqualTo(body(whole).at("/choices/0/message/content").asText());
  }

  @Test
  void unknownModelIs404ModelNotFound() throws Exception {
    SimulatedAnswer answer = simulator.answer(Endpoint.CHAT_COMPLETIONS, bytes(CHAT.replace("\"m\"", "\"gpt-x\"")));

    assertThat(answer.status()).isEqualTo(404);
    assertEnvelope(body(answer), "invalid_request_error");
    assertThat(body(answer).at("/error/code").asText()).isEqualTo("model_not_found");
  }

  @Test
  void missingMessagesPromptOrInputIs400OnThatParam() throws Exception {
    assertMissing(Endpoint.CHAT_COMPLETIONS, "messages");
    assertMissing(Endpoint.COMPLETIONS, "prompt");
    assertMissing(Endpoint.EMBEDDINGS, "input");
    assertMissing(Endpoint.RESPONSES, "input");
    assertMissing(Endpoint.MODERATIONS, "input");
  }

  @Test
  void outOfRangeParametersAre400() throws Exception {
    assertThat(simulator.answer(Endpoint.CHAT_COMPLETIONS, bytes(CHAT.replace("{", "{\"max_tokens\":0,"))).status())
        .isEqualTo(400);
    SimulatedAnswer dimensions = simulator.answer(Endpoint.EMBEDDINGS, bytes(
        "{\"model\":\"m\",\"input\":\"x\",\"dimensions\":0}"));
    assertThat(dimensions.status()).isEqualTo(400);
    assertThat(body(dimensions).at("/error/param").asText()).isEqualTo("dimensions");
    SimulatedAnswer messages = simulator.answer(Endpoint.CHAT_COMPLETIONS, bytes("{\"model\":\"m\",\"messages\":[]}"));
    assertThat(messages.status()).isEqualTo(400);
  }

  @Test
  void errorRateOneAnswersEveryRequestWith500AfterTheLatency() throws Exception {
    Simulator failing = new Simulator(new SimulatorConfig(20, null, 1.0, null, null, null, null, null), Set.of(),
        new MutableClock());
    SimulatedAnswer answer = failing.answer(Endpoint.CHAT_COMPLETIONS, bytes(CHAT));

    assertThat(answer.status()).isEqualTo(500);
    assertEnvelope(body(answer), "server_error");
    assertThat(body(answer).at("/error/message").asText()).contains("Simulated server error");
    assertThat(answer.delay()).isEqualTo(Duration.ofMillis(20));
  }

  @Test
  void rateLimitRateOneAnswers429WithTheConfiguredRetryAfter() throws Exception {
    Simulator limited = new Simulator(new SimulatorConfig(null, null, null, 1.0, 1500, null, null, null), Set.of(),
        new MutableClock());
    SimulatedAnswer answer = limited.answer(Endpoint.CHAT_COMPLETIONS, bytes(CHAT));

    assertThat(answer.status()).isEqualTo(429);
    assertThat(answer.headers()).containsEntry("retry-after-ms", "1500").containsEntry("retry-after", "2");
    assertThat(body(answer).at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
  }

  @Test
  void sameSeedInjectsTheSameFaults() {
    SimulatorConfig config = new SimulatorConfig(null, 100, 0.3, 0.3, null, null, null, 42L);
    assertThat(faults(new Simulator(config, Set.of(), new MutableClock())))
        .isEqualTo(faults(new Simulator(config, Set.of(), new MutableClock())))
        .contains(200, 429, 500);
  }

  @Test
  void faultRatesAreRoughlyHonoured() {
    Simulator simulator = new Simulator(new SimulatorConfig(null, null, 0.2, 0.1, null, null, null, 7L), Set.of(),
        new MutableClock());
    List<Integer> statuses = faults(simulator);
    assertThat(statuses.stream().filter(s -> s == 500).count()).isBetween(150L, 250L);
    assertThat(statuses.stream().filter(s -> s == 429).count()).isBetween(60L, 140L);
  }

  private static List<Integer> faults(Simulator simulator) {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 1000; i++) statuses.add(simulator.answer(Endpoint.CHAT_COMPLETIONS, bytes(CHAT)).status());
    return statuses;
  }

  private void assertMissing(Endpoint endpoint, String param) throws Exception {
    SimulatedAnswer answer = simulator.answer(endpoint, bytes("{\"model\":\"m\"}"));
    assertThat(answer.status()).as(endpoint.path()).isEqualTo(400);
    assertThat(body(answer).at("/error/param").asText()).as(endpoint.path()).isEqualTo(param);
  }

  private static void assertEnvelope(JsonNode body, String type) {
    JsonNode error = body.get("error");
    assertThat(error.fieldNames()).toIterable().containsExactlyInAnyOrder("message", "type", "param", "code");
    assertThat(error.get("type").asText()).isEqualTo(type);
    assertThat(error.get("message").asText()).isNotBlank();
  }
}
