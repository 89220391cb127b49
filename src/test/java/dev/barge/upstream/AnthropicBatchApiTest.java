package dev.barge.upstream;

import static dev.barge.upstream.OpenAiBatchApiTest.chat;
import static dev.barge.upstream.OpenAiBatchApiTest.create;
import static dev.barge.upstream.OpenAiBatchApiTest.ids;
import static dev.barge.upstream.OpenAiBatchApiTest.results;
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
import java.io.IOException;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class AnthropicBatchApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The request ids {@code OpenAiBatchApiTest.create} gives: r0, r1, … */
  private static final Predicate<String> OURS = id -> id.matches("r[0-9]+");

  @Test
  void aThousandMessagesRequestsComeBackOnceEach() throws Exception {
    try (SimulatorServer server = ProviderJobs.simulator(ProviderJobs.endingAfter("300ms"));
        AnthropicBatchApi api = new AnthropicBatchApi(ProviderJobs.backend(BackendType.ANTHROPIC, server),
            ProviderJobs.clock())) {
      long since = System.currentTimeMillis();
      Created created = create(api, "bj_1", Endpoint.MESSAGES, 1000);

      assertThat(created.id()).startsWith("msgbatch_");
      assertThat(created.memo()).isNull();
      assertThat(api.status(created.id()).phase()).isEqualTo(Phase.RUNNING);
      // A batch carries no metadata: one made in the time the job could have been made is told by its results,
      // so while it runs, whether it is the job cannot be told yet.
      assertThatThrownBy(() -> api.find(ProviderJobs.lookup("bj_1", since, Endpoint.MESSAGES, Set.of(), OURS)))
          .isInstanceOf(IOException.class).hasMessageContaining("cannot tell yet");
      JobState ended = ProviderJobs.awaitEnd(api, created.id());
      assertThat(ended.status()).isEqualTo("ended");
      assertThat(ended.counts()).isEqualTo(new ProviderBatchApi.Counts(1000, 1000, 0));
      assertThat(ended.resultRefs()).endsWith("/v1/messages/batches/" + created.id() + "/results");
      ProviderJobs.Recorder results = results(api, ended, created.memo());
      assertThat(results.answered).hasSize(1000).containsKeys(ids(1000).toArray(String[]::new));
      JsonNode message = JSON.readTree(((Outcome.Success) results.answered.get("r7")).body());
      assertThat(message.path("type").asText()).isEqualTo("message");
      assertThat(message.at("/content/0/text").asText()).startsWith("Simulated reply");
      assertThat(server.jobCounts().anthropic().created()).isEqualTo(1);
      assertThat(server.jobCounts().requests()).isEqualTo(1000);
      // Ended, it is found by its requests, and only by the job whose requests they are.
      assertThat(api.find(ProviderJobs.lookup("bj_1", since, Endpoint.MESSAGES, Set.of(), OURS)))
          .contains(new Created(created.id(), null));
      assertThat(api.find(ProviderJobs.lookup("bj_2", since, Endpoint.MESSAGES, Set.of(), id -> false))).isEmpty();
      assertThat(api.find(ProviderJobs.lookup("bj_1", since, Endpoint.MESSAGES, Set.of(created.id()), OURS)))
          .isEmpty();
      assertThat(api.find(ProviderJobs.lookup("bj_1", since + 3_600_000, Endpoint.MESSAGES, Set.of(), OURS)))
          .isEmpty();
    }
  }

  @Test
  void chatRequestsGoAsMessagesAndComeBackAsChatCompletions() throws Exception {
    try (SimulatorServer server = ProviderJobs.simulator(ProviderJobs.endingAfter("200ms"));
        AnthropicBatchApi api = new AnthropicBatchApi(ProviderJobs.backend(BackendType.ANTHROPIC, server),
            ProviderJobs.clock())) {
      long since = System.currentTimeMillis();
      Created created = create(api, "bj_c", Endpoint.CHAT_COMPLETIONS, 20);
      ProviderJobs.Recorder results = results(api, ProviderJobs.awaitEnd(api, created.id()), created.memo());

      assertThat(created.memo()).isEqualTo(Endpoint.CHAT_COMPLETIONS.path());
      // Found again after a crash, its answers go back as chat completions too.
      assertThat(api.find(ProviderJobs.lookup("bj_c", since, Endpoint.CHAT_COMPLETIONS, Set.of(), id -> true)))
          .contains(created);
      assertThat(results.answered).hasSize(20);
      JsonNode completion = JSON.readTree(((Outcome.Success) results.answered.get("r2")).body());
      assertThat(completion.path("object").asText()).isEqualTo("chat.completion");
      assertThat(completion.at("/choices/0/message/content").asText()).startsWith("Simulated reply");
      assertThat(completion.at("/usage/total_tokens").asLong()).isPositive();
    }
  }

  @Test
  void onlyMessagesAndChatRequestsGoInAJob() throws Exception {
    try (SimulatorServer server = ProviderJobs.simulator(ProviderJobs.endingAfter("200ms"));
        AnthropicBatchApi api = new AnthropicBatchApi(ProviderJobs.backend(BackendType.ANTHROPIC, server),
            ProviderJobs.clock());
        JobInput input = api.newInput()) {
      assertThatThrownBy(() -> input.add("e", Endpoint.EMBEDDINGS, "{\"model\":\"m\",\"input\":\"x\"}".getBytes()))
          .isInstanceOf(IllegalArgumentException.class);
      long expected = input.bytes() + input.bytesFor("a", Endpoint.CHAT_COMPLETIONS, chat(1));
      assertThat(input.add("a", Endpoint.CHAT_COMPLETIONS, chat(1))).isEmpty();
      assertThat(input.bytes()).isEqualTo(expected);
    }
  }

  @Test
  void expiredErroredAndFailedRequests() throws Exception {
    try (SimulatorServer server = ProviderJobs.simulator(new SimulatorBatchJobs("200ms", 0.2, 0.3, null, null));
        AnthropicBatchApi api = new AnthropicBatchApi(ProviderJobs.backend(BackendType.ANTHROPIC, server),
            ProviderJobs.clock())) {
      Created created = create(api, "bj_e", Endpoint.MESSAGES, 1000);
      JobState ended = ProviderJobs.awaitEnd(api, created.id());
      ProviderJobs.Recorder results = results(api, ended, created.memo());

      assertThat(results.answered.size() + results.notRun.size()).isEqualTo(1000);
      assertThat(results.notRun.size()).isBetween(140, 260);
      assertThat(results.notRun.values()).allSatisfy(reason -> assertThat(reason).startsWith("expired"));
      assertThat(results.count(Outcome.RateLimited.class)).isBetween(100L, 200L);
      assertThat(results.count(Outcome.Retryable.class)).isBetween(100L, 200L);
      assertThat(ended.counts().failed()).isEqualTo(1000 - ended.counts().completed());
    }
    try (SimulatorServer server = ProviderJobs.simulator(new SimulatorBatchJobs("100ms", null, null, true, null));
        AnthropicBatchApi api = new AnthropicBatchApi(ProviderJobs.backend(BackendType.ANTHROPIC, server),
            ProviderJobs.clock())) {
      Created created = create(api, "bj_f", Endpoint.MESSAGES, 10);
      ProviderJobs.Recorder results = results(api, ProviderJobs.awaitEnd(api, created.id()), created.memo());

      assertThat(results.answered).hasSize(10).allSatisfy((id, outcome) -> assertThat(outcome)
          .isInstanceOfSatisfying(Outcome.Retryable.class, r -> assertThat(r.status()).isEqualTo(500)));
    }
  }

  @Test
  void aCanceledJobAnswersWhatItDidAndReportsTheRestNotRun() throws Exception {
    try (SimulatorServer server = ProviderJobs.simulator(new SimulatorBatchJobs("2s", null, null, null, true));
        AnthropicBatchApi api = new AnthropicBatchApi(ProviderJobs.backend(BackendType.ANTHROPIC, server),
            ProviderJobs.clock())) {
      Created created = create(api, "bj_x", Endpoint.MESSAGES, 200);
      Thread.sleep(1000);
      api.cancel(created.id());

      assertThat(api.status(created.id()).phase()).isEqualTo(Phase.CANCELLING);
      JobState ended = ProviderJobs.awaitEnd(api, created.id());
      ProviderJobs.Recorder results = results(api, ended, created.memo());
      assertThat(results.answered.size() + results.notRun.size()).isEqualTo(200);
      assertThat(results.answered.size()).isBetween(60, 160);
      assertThat(results.notRun.values()).allSatisfy(reason -> assertThat(reason).startsWith("canceled"));
      assertThat(results.order).isNotEqualTo(ids(200)); // shuffled
      assertThat(server.jobCounts().anthropic().cancelled()).isEqualTo(1);
    }
  }
}
