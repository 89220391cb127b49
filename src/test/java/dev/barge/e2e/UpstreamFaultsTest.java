package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.LimitsConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.config.SimulatorFaults;
import dev.barge.config.SimulatorLimitHeaders;
import dev.barge.upstream.simulator.SimulatorServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Batches against an upstream that fails the way hosted APIs fail — 500s, 503s with Retry-After, reset
 * connections, cut-off bodies, slow answers, a rate limiter with a short burst — through the official SDK.
 */
class UpstreamFaultsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  private OpenAIClient start(SimulatorConfig simulator, LimitsConfig limits, String batch) {
    upstream = e2e.simulator(simulator);
    barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, limits).withBatch(TestBarge.batch(batch)));
    return barge.client();
  }

  private Batch run(OpenAIClient client, int lines) {
    String fileId = TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(lines, MODEL));
    Batch created = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    return TestBarge.awaitEnd(client, created.id(), Duration.ofSeconds(120));
  }

  @Test
  void everyLineSucceedsThroughAMixOfFaultsAndIsolatedFaultsLeaveTheConcurrencyLimitAlone() {
    SimulatorFaults faults = new SimulatorFaults(0.03, 0.03, 0.03, 0.01, 300);
    OpenAIClient client = start(new SimulatorConfig(2, 0, 0.04, 0.0, 50, null, null, 11L, null, null, null, faults),
        new LimitsConfig(null, null, 16), "initial_backoff: 10ms, max_backoff: 100ms");

    Batch batch = run(client, 400);

    assertThat(batch.status()).isEqualTo(Batch.Status.COMPLETED);
    assertThat(batch.requestCounts().orElseThrow().completed()).isEqualTo(400);
    assertThat(batch.errorFileId()).isEmpty();
    List<String> output = TestBarge.contentLines(client, batch.outputFileId().orElseThrow());
    assertThat(output).hasSize(400).allSatisfy(line -> assertThat(line).contains("\"status_code\":200"));
    // Each kind of fault was met: resets (no status), 500s and 503s, and more 200s than lines (cut-off bodies).
    assertThat(upstream.answersByStatus()).containsKeys(0, 500, 503);
    assertThat(upstream.answersByStatus().get(200)).isGreaterThan(400L);
    JsonNode backend = barge.getJson("/barge/backends").get("data").get(0);
    assertThat(backend.get("concurrency_limit").asInt()).isEqualTo(16);
  }

  @Test
  void aLineWhoseEveryAnswerIsCutOffEndsInTheErrorFileAsAnInvalidBackendResponse() throws Exception {
    SimulatorFaults cutOff = new SimulatorFaults(null, null, 1.0, null, null);
    OpenAIClient client = start(new SimulatorConfig(0, 0, 0.0, 0.0, null, null, null, 1L, null, null, null, cutOff),
        new LimitsConfig(null, null, 4), "max_attempts: 3, initial_backoff: 1ms, max_backoff: 5ms");

    Batch batch = run(client, 5);

    assertThat(batch.requestCounts().orElseThrow().failed()).isEqualTo(5);
    assertThat(upstream.answersByStatus()).containsEntry(200, 15L); // three attempts each
    for (String line : TestBarge.contentLines(client, batch.errorFileId().orElseThrow())) {
      JsonNode response = JSON.readTree(line).get("response");
      assertThat(response.get("status_code").asInt()).isEqualTo(502);
      assertThat(response.at("/body/error/code").asText()).isEqualTo("invalid_backend_response");
      assertThat(response.at("/body/error/message").asText()).contains("not JSON", "3 attempt(s)");
    }
  }

  @Test
  void aConfiguredLimitIsKeptWithoutA429AgainstAnUpstreamWithOneSecondOfBurst() {
    // 1,200 a minute with one second's burst, announced only on 429s, as hosted APIs pace.
    OpenAIClient client = start(new SimulatorConfig(5, 0, 0.0, 0.0, null, 1200, null, 1L, null, 1,
        SimulatorLimitHeaders.ON_429, null), new LimitsConfig(1200, null, 16), "");

    Batch batch = run(client, 60);

    assertThat(batch.requestCounts().orElseThrow().completed()).isEqualTo(60);
    assertThat(upstream.answersByStatus()).containsOnlyKeys(200);
  }
}
