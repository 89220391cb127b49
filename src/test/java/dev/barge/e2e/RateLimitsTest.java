package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Barge keeps to a backend's rate limits, configured or announced. A simulator bucket starts with a
 * minute's worth, so within a test's few seconds it would admit far more than its per-minute rate:
 * these tests check Barge's own pace (a lower bound on the time a batch takes) and the 429s it got.
 */
class RateLimitsTest {
  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  private OpenAIClient start(SimulatorConfig simulator, LimitsConfig limits) {
    return start(simulator, limits, BackendType.OPENAI);
  }

  /** Barge with one backend of {@code type} in front of the simulator, which speaks that type's dialect. */
  private OpenAIClient start(SimulatorConfig simulator, LimitsConfig limits, BackendType type) {
    upstream = e2e.simulator(simulator);
    BackendConfig backend = new BackendConfig("sim-" + type.yamlName(), type, upstream.baseUrl(), "sim-key",
        List.of(MODEL), limits, "10s", null);
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(backend))
        .withBatch(TestBarge.batch("max_attempts: 20, initial_backoff: 5ms, max_backoff: 50ms")));
    return barge.client();
  }

  /** Seconds from creation to the end of a batch of {@code lines} chat lines, which must all succeed. */
  private double runSeconds(OpenAIClient client, int lines) {
    String fileId = TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(lines, MODEL));
    long start = System.nanoTime();
    Batch done = TestBarge.awaitEnd(client,
        TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h").id(),
        Duration.ofMinutes(2));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    assertThat(done.requestCounts().orElseThrow().completed()).isEqualTo(lines);
    return seconds;
  }

  @Test
  void configuredRequestsPerMinuteSetThePace() {
    // 600 a minute is 10 a second, with a burst of one second's worth: 40 lines need at least 3 s.
    OpenAIClient client = start(new SimulatorConfig(0, 0, 0.0, 0.0, null, 600, null, 1L),
        new LimitsConfig(600, null, 16));
    assertThat(runSeconds(client, 40)).isGreaterThan(2.7);
    assertThat(upstream.answersByStatus()).containsOnlyKeys(200);
  }

  @Test
  void configuredTokensPerMinuteSetThePace() {
    // The lines set no max_tokens; with a default output of 32, each is counted for about 50 tokens.
    // 6,000 a minute is 100 a second, about 2 lines a second after a first second's worth.
    OpenAIClient client = start(new SimulatorConfig(0, 0, 0.0, 0.0, null, null, 6_000, 1L),
        new LimitsConfig(null, 6_000, 16, 32));
    assertThat(runSeconds(client, 10)).isGreaterThan(3.0);
    assertThat(upstream.answersByStatus()).containsOnlyKeys(200);
  }

  @Test
  void limitsAnnouncedInHeadersAreKeptWhenNoneAreConfigured() {
    // No limits in Barge's config: the simulator's x-ratelimit-limit-requests (600) becomes Barge's pace
    // once the first answers are in (up to about 30 lines go before and in the first second's burst).
    OpenAIClient client = start(new SimulatorConfig(0, 0, 0.0, 0.0, null, 600, null, 1L),
        new LimitsConfig(null, null, 16));
    assertThat(runSeconds(client, 80)).isGreaterThan(4.0);
    assertThat(upstream.answersByStatus()).containsOnlyKeys(200);
  }

  @Test
  void limitsAnnouncedInAnthropicsHeadersAreKeptToo() {
    // The same on an Anthropic-type backend: the simulator answers /v1/messages with
    // anthropic-ratelimit-* headers (resets as times), and Barge paces itself by them instead of meeting 429s.
    OpenAIClient client = start(new SimulatorConfig(0, 0, 0.0, 0.0, null, 600, null, 1L),
        new LimitsConfig(null, null, 16), BackendType.ANTHROPIC);
    assertThat(runSeconds(client, 80)).isGreaterThan(4.0);
    assertThat(upstream.answersByStatus()).containsOnlyKeys(200);
  }

  @Test
  void aRetryAfterPausesTheBackend() {
    // Every fifth answer is a 429 asking for 400 ms: the batch takes at least a few of those pauses.
    OpenAIClient client = start(new SimulatorConfig(0, 0, 0.0, 0.2, 400, null, null, 3L),
        new LimitsConfig(null, null, 4));
    assertThat(runSeconds(client, 30)).isGreaterThan(1.2);
    assertThat(upstream.answersByStatus()).containsKey(429);
  }

  @Test
  void workGoesToTheBackendThatAnswersWhenAnotherServingTheModelIsDown() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    upstream = e2e.simulator(2);
    BackendConfig down = new BackendConfig("down", BackendType.OPENAI, "http://127.0.0.1:" + closedPort + "/v1", null,
        List.of(MODEL), new LimitsConfig(null, null, 4), "2s", null);
    BackendConfig up = new BackendConfig("up", BackendType.OPENAI, upstream.baseUrl(), null,
        List.of(MODEL), new LimitsConfig(null, null, 4), "10s", null);
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(down, up))
        .withBatch(TestBarge.batch("max_attempts: 10, initial_backoff: 5ms, max_backoff: 50ms")));
    runSeconds(barge.client(), 60);
    assertThat(upstream.answersByStatus()).containsEntry(200, 60L);
  }
}
