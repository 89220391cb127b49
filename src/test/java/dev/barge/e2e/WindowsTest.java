package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Batch work only inside time windows: the batch's own (extension field) and its backend's. */
class WindowsTest {
  private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm");

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  /** A window of two minutes that opens {@code hoursFromNow} hours from now, in UTC. */
  private static String window(int hoursFromNow) {
    ZonedDateTime start = ZonedDateTime.now(ZoneOffset.UTC).plusHours(hoursFromNow);
    return HH_MM.format(start) + "-" + HH_MM.format(start.plusMinutes(2)) + " UTC";
  }

  private OpenAIClient start(List<String> backendWindows) {
    upstream = e2e.simulator(0);
    BackendConfig backend = new BackendConfig("sim-http", BackendType.OPENAI, upstream.baseUrl(), null,
        List.of(MODEL), new LimitsConfig(null, null, 4), "10s", null, backendWindows, null, null, null);
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(backend)));
    return barge.client();
  }

  private static Batch create(OpenAIClient client, String fileId, String completionWindow, List<String> windows) {
    return client.batches().create(BatchCreateParams.builder().inputFileId(fileId)
        .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS)
        .completionWindow(BatchCreateParams.CompletionWindow.of(completionWindow))
        .putAdditionalBodyProperty("windows", JsonValue.from(windows)).build());
  }

  @Test
  void aBatchRunsInsideItsWindowAndWaitsOutsideIt() throws Exception {
    OpenAIClient client = start(List.of());
    String fileId = TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(5, MODEL));
    Batch waiting = create(client, fileId, "24h", List.of(window(12)));
    Batch now = create(client, fileId, "24h", List.of(window(12), "00:00-23:59", "23:59-00:00"));

    assertThat(TestBarge.awaitEnd(client, now.id(), Duration.ofSeconds(30)).status()).isEqualTo(Batch.Status.COMPLETED);
    // Half a second on, the one outside its window still waits, untouched all along.
    Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
      Batch held = client.batches().retrieve(waiting.id());
      assertThat(held.status()).isEqualTo(Batch.Status.IN_PROGRESS);
      assertThat(held.requestCounts().orElseThrow().completed()).isZero();
    });
  }

  @Test
  void aWindowThatOpensOnlyAfterTheDeadlineIsRefused() {
    OpenAIClient client = start(List.of());
    String fileId = TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(1, MODEL));
    try {
      create(client, fileId, "1h", List.of(window(3)));
      throw new AssertionError("expected a 400");
    } catch (BadRequestException e) {
      assertThat(e.getMessage()).contains("windows");
    }
  }

  @Test
  void aBackendOutsideItsBatchWindowsTakesNoBatchWorkButAnswersSynchronousRequests() throws Exception {
    OpenAIClient client = start(List.of(window(12)));
    Batch batch = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(3, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    client.chat().completions().create(com.openai.models.chat.completions.ChatCompletionCreateParams.builder()
        .model(MODEL).addUserMessage("hi").build());
    // For a second, the batch gets nothing: the one call the upstream answered is the synchronous one.
    Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(4)).untilAsserted(() -> {
      Batch held = client.batches().retrieve(batch.id());
      assertThat(held.status()).isEqualTo(Batch.Status.IN_PROGRESS);
      assertThat(held.requestCounts().orElseThrow().completed()).isZero();
      assertThat(upstream.answersByStatus()).containsEntry(200, 1L);
    });
  }

  @Test
  void aRunningBatchSaysWhenItShouldEndAndWhetherItsWindowsFitTheWork() throws Exception {
    upstream = e2e.simulator(400);
    barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, 2)));
    OpenAIClient client = barge.client();
    // Open from this minute for two minutes only, with 400 lines at about 2.5 a second to do: no fit.
    Batch squeezed = create(client, TestBarge.upload(client, e2e.dir(), "big.jsonl", Lines.chat(400, MODEL)), "1h",
        List.of(window(0)));
    Batch free = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "small.jsonl", Lines.chat(30, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        client.batches().retrieve(squeezed.id()).requestCounts().map(c -> c.completed() >= 2).orElse(false)
            && client.batches().retrieve(free.id()).requestCounts().map(c -> c.completed() >= 2).orElse(false));

    JsonNode tight = batchJson(squeezed.id());
    assertThat(tight.at("/barge/fits_before_expiry").asBoolean(true)).isFalse();
    assertThat(tight.at("/barge/windows/0").asText()).endsWith("UTC");
    JsonNode loose = batchJson(free.id());
    assertThat(loose.at("/barge/fits_before_expiry").asBoolean(false)).isTrue();
    long eta = loose.at("/barge/estimated_completion_at").asLong();
    assertThat(eta).isGreaterThanOrEqualTo(loose.get("created_at").asLong()).isLessThan(loose.get("expires_at").asLong());
    assertThat(loose.at("/barge/priority").asInt()).isEqualTo(1);
  }

  private JsonNode batchJson(String id) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(barge.baseUrl + "/batches/" + id)).build(), HttpResponse.BodyHandlers.ofString());
    return new ObjectMapper().readTree(r.body());
  }
}
