package dev.barge.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.ApiKey;
import dev.barge.config.AuthConfig;
import dev.barge.config.BackendConfig;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} in the Prometheus format, and the health endpoints load balancers ask. */
class MetricsTest {
  private static final String MODEL = "sim-chat";

  @TempDir Path dir;
  private SimulatorServer upstream;
  private TestBarge barge;

  @AfterEach
  void stop() {
    if (barge != null) barge.close();
    if (upstream != null) upstream.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(HttpRequest.newBuilder(URI.create(barge.baseUrl.replace("/v1", "") + path)).build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  private static double value(String metrics, String series) {
    Matcher m = Pattern.compile("^" + Pattern.quote(series) + " ([0-9.E+-]+)$", Pattern.MULTILINE).matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  @Test
  void metricsCountTheUpstreamCallsTokensAndBatchesOfARun() throws Exception {
    upstream = SimulatorServer.start("127.0.0.1", 0, SimulatorConfig.defaults(), Set.of());
    BackendConfig backend = TestBarge.simulatorBackend(upstream, MODEL, new LimitsConfig(null, null, 4));
    barge = TestBarge.start(BargeConfig.embeddedDefault().withBackends(List.of(backend)), dir.resolve("data"));
    OpenAIClient client = barge.client();
    Batch batch = TestBarge.create(client, TestBarge.upload(client, dir, "in.jsonl", Lines.chat(12, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    assertThat(TestBarge.awaitEnd(client, batch.id(), Duration.ofSeconds(30)).status()).isEqualTo(Batch.Status.COMPLETED);

    HttpResponse<String> response = get("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("text/plain");
    String metrics = response.body();
    assertThat(value(metrics, "barge_requests_total{backend=\"sim-http\",endpoint=\"/v1/chat/completions\","
        + "outcome=\"success\",source=\"batch\"}")).isEqualTo(12);
    assertThat(value(metrics, "barge_tokens_total{backend=\"sim-http\",direction=\"output\"}")).isPositive();
    assertThat(metrics).contains("barge_upstream_latency_seconds_bucket{backend=\"sim-http\"");
    assertThat(metrics).contains("barge_jvm_memory_used_bytes").contains("barge_backend_concurrency_limit");
    // Batch counts are read every few seconds at most: the completed batch shows up within that.
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
        value(get("/metrics").body(), "barge_batches{status=\"completed\"}") == 1);
    assertThat(value(metrics, "barge_queue_depth{priority=\"interactive\"}")).isZero();
  }

  @Test
  void withKeysConfiguredMetricsNeedOneAndHealthDoesNot() throws Exception {
    barge = TestBarge.start(BargeConfig.embeddedDefault().withAuth(new AuthConfig(List.of(new ApiKey("scrape-key",
        "ops")))), dir.resolve("data"));
    assertThat(get("/metrics").statusCode()).isEqualTo(401);
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> scraped = http.send(HttpRequest.newBuilder(URI.create(barge.baseUrl.replace("/v1", "")
          + "/metrics")).header("Authorization", "Bearer scrape-key").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(scraped.statusCode()).isEqualTo(200);
    }
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    assertThat(get("/readyz").statusCode()).isEqualTo(200);
  }

  @Test
  void healthAndReadinessAnswerWithoutAKey() throws Exception {
    barge = TestBarge.start(BargeConfig.embeddedDefault(), dir.resolve("data"));
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("ready");
  }
}
