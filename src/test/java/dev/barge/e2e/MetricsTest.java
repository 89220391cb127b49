package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.ApiKey;
import dev.barge.config.AuthConfig;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code /metrics} in the Prometheus format (for admin keys), and the health endpoints load balancers ask. */
class MetricsTest {
  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  private HttpResponse<String> get(String path) throws Exception {
    return get(path, null);
  }

  /** GET of a path outside or inside /v1, with {@code key} as a bearer token when not null. */
  private HttpResponse<String> get(String path, String key) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(barge.baseUrl.replace("/v1", "") + path));
    if (key != null) request.header("Authorization", "Bearer " + key);
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  private static double value(String metrics, String series) {
    Matcher m = Pattern.compile("^" + Pattern.quote(series) + " ([0-9.E+-]+)$", Pattern.MULTILINE).matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  @Test
  void metricsCountTheUpstreamCallsTokensAndBatchesOfARun() throws Exception {
    upstream = e2e.simulator(SimulatorConfig.defaults());
    barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, 4)));
    OpenAIClient client = barge.client();
    Batch batch = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(12, MODEL)),
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
    assertThat(metrics).contains("barge_jvm_memory_used_bytes").contains("barge_backend_concurrency_limit")
        .contains("barge_backend_limit_share{backend=");
    // Batch counts are read every few seconds at most: the completed batch shows up within that.
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
        value(get("/metrics").body(), "barge_batches{status=\"completed\"}") == 1);
    assertThat(value(metrics, "barge_queue_depth{priority=\"interactive\"}")).isZero();
  }

  @Test
  void withKeysConfiguredMetricsAndBackendsNeedAnAdminKeyAndHealthDoesNot() throws Exception {
    barge = e2e.start(BargeConfig.embeddedDefault().withAuth(new AuthConfig(List.of(
        new ApiKey("scrape-key", "ops", true), new ApiKey("team-key", "team")))));
    assertThat(get("/metrics").statusCode()).isEqualTo(401);
    assertThat(get("/metrics", "scrape-key").statusCode()).isEqualTo(200);
    assertThat(get("/v1/barge/backends", "scrape-key").statusCode()).isEqualTo(200);
    // A project's key sees its own batches, not the server-wide traffic of every project.
    for (String path : List.of("/metrics", "/v1/barge/backends")) {
      HttpResponse<String> refused = get(path, "team-key");
      assertThat(refused.statusCode()).as(path).isEqualTo(403);
      assertThat(refused.headers().firstValue("x-should-retry")).contains("false");
      assertThat(new ObjectMapper().readTree(refused.body()).at("/error/message").asText()).contains(path)
          .contains("admin: true").contains("'team'");
    }
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    assertThat(get("/readyz").statusCode()).isEqualTo(200);
  }

  @Test
  void healthAndReadinessAnswerWithoutAKey() throws Exception {
    barge = e2e.start(BargeConfig.embeddedDefault());
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("ready");
  }
}
