package dev.barge.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.config.BackendType;
import dev.barge.config.SimulatorBatchJobs;
import dev.barge.upstream.ProviderBatchApi.Created;
import dev.barge.upstream.ProviderBatchApi.JobInput;
import dev.barge.upstream.ProviderBatchApi.JobState;
import dev.barge.upstream.ProviderBatchApi.Phase;
import dev.barge.upstream.simulator.SimulatorServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OpenAiBatchApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aThousandChatRequestsComeBackOnceEachAndTheJobIsFoundByItsBargeId() throws Exception {
    try (SimulatorServer server = ProviderJobs.simulator(ProviderJobs.endingAfter("300ms"));
        OpenAiBatchApi api = new OpenAiBatchApi(ProviderJobs.backend(BackendType.OPENAI, server), ProviderJobs.clock())) {
      long since = System.currentTimeMillis();
      Created created = create(api, "bj_1", Endpoint.CHAT_COMPLETIONS, 1000);

      assertThat(created.memo()).isNull();
      assertThat(api.find(ProviderJobs.lookup("bj_1", since, Endpoint.CHAT_COMPLETIONS, Set.of(), id -> false)))
          .contains(new Created(created.id(), null));
      assertThat(api.find(ProviderJobs.lookup("bj_other", since, Endpoint.CHAT_COMPLETIONS, Set.of(), id -> true)))
          .isEmpty();
      JobState ended = ProviderJobs.awaitEnd(api, created.id());
      assertThat(ended.status()).isEqualTo("completed");
      assertThat(ended.counts()).isEqualTo(new ProviderBatchApi.Counts(1000, 1000, 0));
      ProviderJobs.Recorder results = results(api, ended);
      assertThat(results.answered).hasSize(1000).containsKeys(ids(1000).toArray(String[]::new));
      assertThat(results.notRun).isEmpty();
      assertThat(server.jobCounts().filesStored()).isEqualTo(2); // the input and the output
      api.discard(ended);
      assertThat(server.jobCounts().filesStored()).isZero();
      Outcome.Success first = (Outcome.Success) results.answered.get("r0");
      JsonNode body = JSON.readTree(first.body());
      assertThat(body.path("object").asText()).isEqualTo("chat.completion");
      assertThat(body.at("/choices/0/message/content").asText()).startsWith("Simulated reply");
      assertThat(first.requestId()).startsWith("req_");
      assertThat(server.jobCounts().openai().created()).isEqualTo(1);
      assertThat(server.jobCounts().requests()).isEqualTo(1000);
      JsonNode stats = JSON.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + server.port() + "/simulator/stats")).build(), BodyHandlers.ofString()).body());
      assertThat(stats.at("/jobs/openai/created").asLong()).isEqualTo(1);
      assertThat(stats.at("/jobs/anthropic/cancelled").asLong()).isZero();
      assertThat(stats.path("job_requests").asLong()).isEqualTo(1000);
    }
  }

  @Test
  void messagesRequestsGoAsChatCompletionsAndComeBackAsMessages() throws Exception {
    try (SimulatorServer server = ProviderJobs.simulator(ProviderJobs.endingAfter("200ms"));
        OpenAiBatchApi api = new OpenAiBatchApi(ProviderJobs.backend(BackendType.OPENAI, server), ProviderJobs.clock())) {
      Created created = create(api, "bj_m", Endpoint.MESSAGES, 20);
      ProviderJobs.Recorder results = results(api, ProviderJobs.awaitEnd(api, created.id()));

      assertThat(results.answered).hasSize(20);
      JsonNode message = JSON.readTree(((Outcome.Success) results.answered.get("r3")).body());
      assertThat(message.path("type").asText()).isEqualTo("message");
      assertThat(message.at("/content/0/text").asText()).startsWith("Simulated reply");
      assertThat(message.at("/usage/service_tier").asText()).isEqualTo("batch");
      assertThat(message.path("model").asText()).isEqualTo("sim-model");
    }
  }

  @Test
  void aRequestTheTranslationCannotCarryIsAnsweredAtOnceAndOneEndpointPerJob() throws Exception {
    try (SimulatorServer server = ProviderJobs.simulator(ProviderJobs.endingAfter("200ms"));
        OpenAiBatchApi api = new OpenAiBatchApi(ProviderJobs.backend(BackendType.OPENAI, server), ProviderJobs.clock());
        JobInput input = api.newInput()) {
      byte[] withTools = JSON.writeValueAsBytes(JSON.createObjectNode().put("model", "sim-model").put("max_tokens", 5)
          .set("tools", JSON.createArrayNode()));

      assertThat(input.add("t1", Endpoint.MESSAGES, withTools)).hasValueSatisfying(r -> assertThat(r.status())
          .isEqualTo(400));
      assertThat(input.requests()).isZero();
      assertThat(input.bytesFor("t1", Endpoint.MESSAGES, withTools)).isZero();
      byte[] body = messages(1);
      long expected = input.bytesFor("t2", Endpoint.MESSAGES, body);
      assertThat(input.add("t2", Endpoint.MESSAGES, body)).isEmpty();
      assertThat(input.bytes()).isEqualTo(expected);
      assertThat(input.bytesFor("t3", Endpoint.MESSAGES, body)).isEqualTo(expected + 1);
      assertThatThrownBy(() -> input.add("t3", Endpoint.CHAT_COMPLETIONS, chat(1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void expiredRequestsAreNotRunAndInjectedErrorsAreRateLimitedOrRetryable() throws Exception {
    try (SimulatorServer server = ProviderJobs.simulator(new SimulatorBatchJobs("200ms", 0.2, 0.3, null, null));
        OpenAiBatchApi api = new OpenAiBatchApi(ProviderJobs.backend(BackendType.OPENAI, server), ProviderJobs.clock())) {
      Created created = create(api, "bj_e", Endpoint.CHAT_COMPLETIONS, 1000);
      JobState ended = ProviderJobs.awaitEnd(api, created.id());
      ProviderJobs.Recorder results = results(api, ended);

      assertThat(ended.status()).isEqualTo("expired");
      assertThat(results.answered.size() + results.notRun.size()).isEqualTo(1000);
      assertThat(results.notRun.size()).isBetween(140, 260);
      assertThat(results.notRun.values()).allSatisfy(reason -> assertThat(reason).startsWith("batch_expired"));
      assertThat(results.count(Outcome.RateLimited.class)).isBetween(100L, 200L);
      assertThat(results.count(Outcome.Retryable.class)).isBetween(100L, 200L);
      assertThat(ended.counts().completed()).isEqualTo(results.count(Outcome.Success.class));
      assertThat(ended.counts().failed()).isEqualTo(1000 - ended.counts().completed());
    }
  }

  @Test
  void aFailedJobEndsWithItsFailureAndNoResults() throws Exception {
    try (SimulatorServer server = ProviderJobs.simulator(new SimulatorBatchJobs("100ms", null, null, true, null));
        OpenAiBatchApi api = new OpenAiBatchApi(ProviderJobs.backend(BackendType.OPENAI, server), ProviderJobs.clock())) {
      JobState ended = ProviderJobs.awaitEnd(api, create(api, "bj_f", Endpoint.CHAT_COMPLETIONS, 10).id());

      assertThat(ended.status()).isEqualTo("failed");
      assertThat(ended.failure()).contains("failed as a whole");
      ProviderJobs.Recorder results = results(api, ended);
      assertThat(results.order).isEmpty();
    }
  }

  @Test
  void aCancelledJobAnswersWhatItDidAndReportsTheRestNotRun() throws Exception {
    try (SimulatorServer server = ProviderJobs.simulator(ProviderJobs.endingAfter("2s"));
        OpenAiBatchApi api = new OpenAiBatchApi(ProviderJobs.backend(BackendType.OPENAI, server), ProviderJobs.clock())) {
      Created created = create(api, "bj_c", Endpoint.CHAT_COMPLETIONS, 200);
      Thread.sleep(1000);
      api.cancel(created.id());

      assertThat(api.status(created.id()).phase()).isEqualTo(Phase.CANCELLING);
      JobState ended = ProviderJobs.awaitEnd(api, created.id());
      ProviderJobs.Recorder results = results(api, ended);
      assertThat(ended.status()).isEqualTo("cancelled");
      assertThat(results.answered.size() + results.notRun.size()).isEqualTo(200);
      assertThat(results.answered.size()).isBetween(60, 160);
      assertThat(results.notRun.values()).allSatisfy(reason -> assertThat(reason).startsWith("batch_cancelled"));
      assertThat(results.answered).containsKey("r0"); // in order: the head ran, the tail was cancelled
      assertThat(results.notRun).containsKey("r199");
      assertThat(server.jobCounts().openai().cancelled()).isEqualTo(1);
    }
  }

  @Test
  void shuffledResultsComeInAnotherOrder() throws Exception {
    try (SimulatorServer server = ProviderJobs.simulator(new SimulatorBatchJobs("100ms", null, null, null, true));
        OpenAiBatchApi api = new OpenAiBatchApi(ProviderJobs.backend(BackendType.OPENAI, server), ProviderJobs.clock())) {
      Created created = create(api, "bj_s", Endpoint.CHAT_COMPLETIONS, 100);
      ProviderJobs.Recorder results = results(api, ProviderJobs.awaitEnd(api, created.id()));

      assertThat(results.order).hasSize(100).containsExactlyInAnyOrderElementsOf(ids(100)).isNotEqualTo(ids(100));
    }
  }

  static Created create(ProviderBatchApi api, String bargeJobId, Endpoint endpoint, int n) throws Exception {
    try (JobInput input = api.newInput()) {
      for (int i = 0; i < n; i++) {
        byte[] body = endpoint == Endpoint.MESSAGES ? messages(i) : chat(i);
        assertThat(input.add("r" + i, endpoint, body)).isEmpty();
      }
      assertThat(input.requests()).isEqualTo(n);
      return api.create(bargeJobId, input);
    }
  }

  static ProviderJobs.Recorder results(ProviderBatchApi api, JobState ended) throws Exception {
    return results(api, ended, null);
  }

  static ProviderJobs.Recorder results(ProviderBatchApi api, JobState ended, String memo) throws Exception {
    ProviderJobs.Recorder recorder = new ProviderJobs.Recorder();
    api.results(ended, memo, recorder);
    return recorder;
  }

  static List<String> ids(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) ids.add("r" + i);
    return ids;
  }

  static byte[] chat(int i) {
    return ("{\"model\":\"sim-model\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\"Question " + i + "\"}],\"max_tokens\":16}").getBytes(StandardCharsets.UTF_8);
  }

  static byte[] messages(int i) {
    return ("{\"model\":\"sim-model\",\"max_tokens\":16,\"system\":\"Be brief.\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"Question " + i + "\"}]}").getBytes(StandardCharsets.UTF_8);
  }
}
