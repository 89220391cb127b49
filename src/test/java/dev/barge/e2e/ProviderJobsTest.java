package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.config.ModelPrice;
import dev.barge.config.ProviderBatchConfig;
import dev.barge.config.SimulatorBatchJobs;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Batch work on a backend with {@code provider_batch}: lines run inside the (simulated) provider's own batch
 * jobs at its batch price, through the official OpenAI SDK; what a job does not finish runs real-time.
 */
class ProviderJobsTest {
  private static final ModelPrice PRICE = new ModelPrice(new BigDecimal("2.50"), new BigDecimal("1.25"),
      new BigDecimal("10.00"));
  private static final BigDecimal PROVIDER_DISCOUNT = new BigDecimal("0.5");
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  /** Barge with one OpenAI backend on the simulator that runs batch work as provider jobs. */
  private OpenAIClient start(SimulatorBatchJobs jobs, int maxPerJob, String gather, String spillBefore) {
    return start(jobs, maxPerJob, gather, spillBefore, "canary: {above_lines: 100000}");
  }

  private OpenAIClient start(SimulatorBatchJobs jobs, int maxPerJob, String gather, String spillBefore,
      String canary) {
    return start(BackendType.OPENAI, jobs, maxPerJob, gather, spillBefore, canary);
  }

  private OpenAIClient start(BackendType type, SimulatorBatchJobs jobs, int maxPerJob, String gather,
      String spillBefore, String canary) {
    upstream = e2e.simulator(new SimulatorConfig(null, null, null, null, null, null, null, 7L, null, null, null, null,
        jobs));
    BackendConfig backend = new BackendConfig("provider-batch", type, upstream.baseUrl(), "sk-upstream",
        List.of(MODEL), new LimitsConfig(null, null, 8), "10s", null, null, null,
        new ProviderBatchConfig(maxPerJob, null, gather, "200ms", spillBefore, PROVIDER_DISCOUNT), null);
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(backend)).withPricing(Map.of(MODEL, PRICE))
        .withBatch(TestBarge.batch("max_attempts: 20, initial_backoff: 5ms, max_backoff: 50ms, " + canary)));
    return barge.client();
  }

  private Batch run(OpenAIClient client, int lines, String name) {
    String fileId = TestBarge.upload(client, e2e.dir(), name, Lines.chat(lines, MODEL));
    return TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
  }

  @Test
  void tenThousandLinesRunInAsFewJobsAsTheLimitAllowsEachLineOnceAtTheProvidersBatchPrice() throws Exception {
    OpenAIClient client = start(jobs("500ms", null), 4_000, "200ms", "1h");
    Batch created = run(client, 10_000, "big.jsonl");
    Batch done = TestBarge.awaitEnd(client, created.id(), Duration.ofMinutes(3));

    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    List<String> output = TestBarge.contentLines(client, done.outputFileId().orElseThrow());
    assertThat(customIds(output)).hasSize(10_000).doesNotHaveDuplicates();
    assertThat(upstream.jobCounts().openai().created()).isEqualTo(3); // 10,000 lines, at most 4,000 per job
    assertThat(realTimeAnswers()).isZero();
    // The jobs' input and output files are deleted upstream once their results are recorded.
    await().atMost(Duration.ofSeconds(10)).until(() -> upstream.jobCounts().filesStored() == 0);

    JsonNode barge = this.barge.getJson("/batches/" + done.id()).get("barge");
    assertThat(barge.get("upstream_jobs")).hasSize(3);
    for (JsonNode job : barge.get("upstream_jobs")) {
      assertThat(job.get("backend").asText()).isEqualTo("provider-batch");
      assertThat(job.get("status").asText()).isEqualTo("completed");
      assertThat(job.get("id").asText()).startsWith("batch_");
    }
    assertThat(barge.at("/tiers/batch/requests").asLong()).isEqualTo(10_000);
    assertThat(barge.at("/tiers/standard").isMissingNode()).isTrue();
    // The price table applied to each line's usage at the provider's discount, summed: exactly the cost shown.
    BigDecimal expected = BigDecimal.ZERO;
    BigDecimal list = BigDecimal.ZERO;
    for (String line : output) {
      BigDecimal price = listPrice(JSON.readTree(line).at("/response/body/usage"));
      list = list.add(price);
      expected = expected.add(price.multiply(BigDecimal.ONE.subtract(PROVIDER_DISCOUNT)));
    }
    assertThat(barge.at("/tiers/batch/cost").decimalValue()).isEqualByComparingTo(expected);
    assertThat(barge.get("cost").decimalValue()).isEqualByComparingTo(expected);
    assertThat(barge.get("saved").decimalValue()).isEqualByComparingTo(list.subtract(expected));
  }

  @Test
  void chatLinesOnAnAnthropicBackendRunAsOneMessageBatchAndComeBackAsChatCompletionsAtTheBatchPrice()
      throws Exception {
    OpenAIClient client = start(BackendType.ANTHROPIC, jobs("300ms", null), 50_000, "200ms", "1h",
        "canary: {above_lines: 100000}");
    Batch done = TestBarge.awaitEnd(client, run(client, 500, "anthropic.jsonl").id(), Duration.ofMinutes(2));

    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    List<String> output = TestBarge.contentLines(client, done.outputFileId().orElseThrow());
    assertThat(customIds(output)).hasSize(500).doesNotHaveDuplicates();
    JsonNode first = JSON.readTree(output.getFirst()).at("/response/body");
    assertThat(first.path("object").asText()).isEqualTo("chat.completion");
    assertThat(first.at("/choices/0/message/content").asText()).isNotBlank();
    assertThat(upstream.jobCounts().anthropic().created()).isEqualTo(1);
    assertThat(upstream.jobCounts().openai().created()).isZero();
    assertThat(realTimeAnswers()).isZero();
    JsonNode barge = this.barge.getJson("/batches/" + done.id()).get("barge");
    assertThat(barge.at("/upstream_jobs/0/id").asText()).startsWith("msgbatch_");
    assertThat(barge.at("/tiers/batch/requests").asLong()).isEqualTo(500);
    BigDecimal expected = BigDecimal.ZERO;
    for (String line : output) {
      expected = expected.add(listPrice(JSON.readTree(line).at("/response/body/usage"))
          .multiply(BigDecimal.ONE.subtract(PROVIDER_DISCOUNT)));
    }
    assertThat(barge.get("cost").decimalValue()).isEqualByComparingTo(expected);
  }

  @Test
  void aCanarySampleRunsRealTimeBeforeTheRestGoesIntoJobs() {
    OpenAIClient client = start(jobs("300ms", null), 50_000, "200ms", "1h", "canary: {above_lines: 1000, size: 20}");
    Batch done = TestBarge.awaitEnd(client, run(client, 2_000, "canary.jsonl").id(), Duration.ofMinutes(2));

    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    JsonNode barge = this.barge.getJson("/batches/" + done.id()).get("barge");
    assertThat(barge.at("/canary/state").asText()).isEqualTo("passed");
    assertThat(barge.at("/tiers/standard/requests").asLong()).isEqualTo(20);
    assertThat(barge.at("/tiers/batch/requests").asLong()).isEqualTo(1_980);
    assertThat(realTimeAnswers()).isEqualTo(20);
    assertThat(upstream.jobCounts().openai().created()).isEqualTo(1);
  }

  @Test
  void aDryRunPricesTheLinesOnThePathTheyWillTake() {
    OpenAIClient client = start(jobs("300ms", null), 50_000, "200ms", "2h");
    String fileId = TestBarge.upload(client, e2e.dir(), "dry.jsonl", Lines.chat(100, MODEL));
    String request = "{\"input_file_id\":\"%s\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"%s\","
        + "\"dry_run\":true}";

    JsonNode inJobs = barge.postJson("/batches", request.formatted(fileId, "24h")).get("cost");
    assertThat(inJobs.get("batch").decimalValue())
        .isEqualByComparingTo(inJobs.get("real_time").decimalValue().multiply(PROVIDER_DISCOUNT));
    // A window shorter than spill_before runs real-time from the start, at the hosted API's list price.
    JsonNode realTime = barge.postJson("/batches", request.formatted(fileId, "1h")).get("cost");
    assertThat(realTime.get("batch").decimalValue()).isEqualByComparingTo(realTime.get("real_time").decimalValue());
  }

  @Test
  void smallBatchesCreatedTogetherShareOneJob() {
    OpenAIClient client = start(jobs("300ms", null), 50_000, "2s", "1h");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) ids.add(run(client, 40, "small-" + i + ".jsonl").id());
    for (String id : ids) {
      Batch done = TestBarge.awaitEnd(client, id, Duration.ofMinutes(1));
      assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
      assertThat(done.requestCounts().orElseThrow().completed()).isEqualTo(40);
    }
    assertThat(upstream.jobCounts().openai().created()).isEqualTo(1);
    Set<String> jobIds = new HashSet<>();
    for (String id : ids) barge.getJson("/batches/" + id).at("/barge/upstream_jobs").forEach(j -> jobIds.add(j.get("id").asText()));
    assertThat(jobIds).hasSize(1);
  }

  @Test
  void aJobThatExpiresWithPartDoneHandsTheRestToRealTimeCallsAndEachPathIsPricedAsBought() throws Exception {
    OpenAIClient client = start(jobs("300ms", 0.7), 50_000,
        "200ms", "1h");
    Batch done = TestBarge.awaitEnd(client, run(client, 1_000, "expiring.jsonl").id(), Duration.ofMinutes(2));

    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    List<String> output = TestBarge.contentLines(client, done.outputFileId().orElseThrow());
    assertThat(customIds(output)).hasSize(1_000).doesNotHaveDuplicates();
    JsonNode barge = this.barge.getJson("/batches/" + done.id()).get("barge");
    assertThat(barge.at("/upstream_jobs/0/status").asText()).isEqualTo("expired");
    long inJob = barge.at("/tiers/batch/requests").asLong();
    long realTime = barge.at("/tiers/standard/requests").asLong();
    assertThat(inJob).isBetween(250L, 350L); // 30% of the job was done when it expired
    assertThat(inJob + realTime).isEqualTo(1_000);
    assertThat(realTimeAnswers()).isEqualTo(realTime);
    BigDecimal cost = barge.at("/tiers/batch/cost").decimalValue().add(barge.at("/tiers/standard/cost").decimalValue());
    assertThat(barge.get("cost").decimalValue()).isEqualByComparingTo(cost);
  }

  @Test
  void linesStillInAJobAtSpillTimeRunRealTimeAndTheJobIsCancelledUpstream() {
    // A window of 24h less 86,395 s: the lines spill five seconds after the batch starts.
    OpenAIClient client = start(jobs("10m", null), 50_000, "100ms", "86395s");
    Batch done = TestBarge.awaitEnd(client, run(client, 200, "spilling.jsonl").id(), Duration.ofMinutes(1));

    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    assertThat(done.requestCounts().orElseThrow().completed()).isEqualTo(200);
    JsonNode barge = this.barge.getJson("/batches/" + done.id()).get("barge");
    // The job was cancelled five seconds into its ten minutes: the few lines it had finished are kept.
    long realTime = barge.at("/tiers/standard/requests").asLong();
    assertThat(realTime + barge.at("/tiers/batch/requests").asLong()).isEqualTo(200);
    assertThat(realTime).isGreaterThanOrEqualTo(190);
    await().atMost(Duration.ofSeconds(20)).until(() -> upstream.jobCounts().openai().cancelled() == 1);
  }

  @Test
  void aBatchCancelledWhileItsLinesWaitInAJobEndsCancelledWithEveryLineAccounted() {
    OpenAIClient client = start(jobs("10m", null), 50_000, "100ms", "1h");
    Batch created = run(client, 300, "cancelled.jsonl");
    await().atMost(Duration.ofSeconds(30)).until(() -> upstream.jobCounts().openai().created() == 1);
    client.batches().cancel(created.id());
    Batch done = TestBarge.awaitEnd(client, created.id(), Duration.ofMinutes(1));

    assertThat(done.status()).isEqualTo(Batch.Status.CANCELLED);
    var counts = done.requestCounts().orElseThrow();
    assertThat(counts.completed() + counts.failed()).isEqualTo(300);
    await().atMost(Duration.ofSeconds(20)).until(() -> upstream.jobCounts().openai().cancelled() == 1);
  }

  private static SimulatorBatchJobs jobs(String completeAfter, Double expireFraction) {
    return new SimulatorBatchJobs(completeAfter, expireFraction, null, null, null);
  }

  /** Answers the simulator gave to real-time calls (answers inside jobs are not among them). */
  private long realTimeAnswers() {
    return upstream.answersByStatus().values().stream().mapToLong(Long::longValue).sum();
  }

  private static List<String> customIds(List<String> output) throws Exception {
    List<String> ids = new ArrayList<>();
    for (String line : output) ids.add(JSON.readTree(line).get("custom_id").asText());
    return ids;
  }

  private static BigDecimal listPrice(JsonNode usage) {
    long input = usage.path("prompt_tokens").asLong();
    long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong();
    return PRICE.inputPerMillion().multiply(BigDecimal.valueOf(input - cached))
        .add(PRICE.cachedInputPerMillion().multiply(BigDecimal.valueOf(cached)))
        .add(PRICE.outputPerMillion().multiply(BigDecimal.valueOf(usage.path("completion_tokens").asLong())))
        .divide(BigDecimal.valueOf(1_000_000));
  }
}
