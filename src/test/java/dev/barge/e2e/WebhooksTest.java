package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpServer;
import dev.barge.config.ApiKey;
import dev.barge.config.AuthConfig;
import dev.barge.config.BackendConfig;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.config.WebhookConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Batch events to the configured endpoints (those of their project): signed per Standard Webhooks, retried, and
 * kept across a restart.
 */
class WebhooksTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;
  private HttpServer receiver;
  /** What the receiver got: headers (lower-case names) and body. */
  private final List<Map.Entry<Map<String, List<String>>, String>> received = new CopyOnWriteArrayList<>();
  /** Statuses the receiver answers with, in turn; 200 once they run out. */
  private final ConcurrentLinkedQueue<Integer> answers = new ConcurrentLinkedQueue<>();
  private final String secret = "whsec_" + Base64.getEncoder().encodeToString(randomBytes());

  private static byte[] randomBytes() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return key;
  }

  private String startReceiver() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    e2e.closing(() -> receiver.stop(0)); // the receiver of the moment, after Barge
    receiver.createContext("/hook", exchange -> {
      Map<String, List<String>> headers = new HashMap<>();
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v));
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      received.add(Map.entry(headers, body));
      Integer status = answers.poll();
      exchange.sendResponseHeaders(status == null ? 200 : status, -1);
      exchange.close();
    });
    receiver.start();
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
  }

  private OpenAIClient startBarge(String hookUrl) {
    if (upstream == null) upstream = e2e.simulator(SimulatorConfig.defaults());
    barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, 4))
        .withWebhooks(List.of(new WebhookConfig(hookUrl, secret, null))));
    return barge.client();
  }

  private Batch runBatch(OpenAIClient client) {
    Batch batch = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(3, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    assertThat(TestBarge.awaitEnd(client, batch.id(), Duration.ofSeconds(30)).status()).isEqualTo(Batch.Status.COMPLETED);
    return batch;
  }

  @Test
  void aCompletedBatchIsAnnouncedWithASignatureAnIndependentImplementationAccepts() throws Exception {
    OpenAIClient client = startBarge(startReceiver());
    Batch batch = runBatch(client);

    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
    var delivery = received.getFirst();
    JsonNode event = JSON.readTree(delivery.getValue());
    assertThat(event.get("type").asText()).isEqualTo("batch.completed");
    assertThat(event.get("object").asText()).isEqualTo("event");
    assertThat(event.at("/data/id").asText()).isEqualTo(batch.id());
    assertThat(event.get("id").asText()).startsWith("evt_").isEqualTo(delivery.getKey().get("webhook-id").getFirst());
    new Webhook(secret).verify(delivery.getValue(), delivery.getKey()); // throws when the signature is wrong
    // Delivered once it was taken: no second delivery comes within a second.
    Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(4))
        .untilAsserted(() -> assertThat(received).hasSize(1));
  }

  @Test
  void aFailedDeliveryComesAgainWithTheSameId() throws Exception {
    answers.add(500);
    OpenAIClient client = startBarge(startReceiver());
    runBatch(client);

    // The first retry comes 5 s after the failure.
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> received.size() >= 2);
    assertThat(received.get(0).getKey().get("webhook-id")).isEqualTo(received.get(1).getKey().get("webhook-id"));
    new Webhook(secret).verify(received.get(1).getValue(), received.get(1).getKey());
  }

  @Test
  void anEventNotYetDeliveredIsDeliveredAfterARestart() throws Exception {
    String url = startReceiver();
    receiver.stop(0); // nobody listens while the batch ends
    OpenAIClient client = startBarge(url);
    Batch batch = runBatch(client);
    e2e.close(barge);

    int port = Integer.parseInt(url.replaceAll(".*:(\\d+)/hook", "$1"));
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    List<String> bodies = new ArrayList<>();
    receiver.createContext("/hook", exchange -> {
      bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
    startBarge(url); // the same data directory: the delivery is still owed

    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !bodies.isEmpty());
    assertThat(JSON.readTree(bodies.getFirst()).at("/data/id").asText()).isEqualTo(batch.id());
  }

  @Test
  void anEndpointLimitedToAProjectHearsOnlyOfThatProjectsBatches() throws Exception {
    // Batch ids by the path they were delivered to: /all hears of every project, /team-a of team-a's only.
    Map<String, List<String>> heard = new ConcurrentHashMap<>();
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    e2e.closing(() -> receiver.stop(0));
    receiver.createContext("/", exchange -> {
      String batchId = JSON.readTree(exchange.getRequestBody().readAllBytes()).at("/data/id").asText();
      heard.computeIfAbsent(exchange.getRequestURI().getPath(), k -> new CopyOnWriteArrayList<>()).add(batchId);
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
    String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
    upstream = e2e.simulator(SimulatorConfig.defaults());
    BackendConfig backend = TestBarge.simulatorBackend(upstream, MODEL, new LimitsConfig(null, null, 4));
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(backend))
        .withAuth(new AuthConfig(List.of(new ApiKey("key-a", "team-a"), new ApiKey("key-b", "team-b"))))
        .withWebhooks(List.of(new WebhookConfig(base + "/all", secret, null),
            new WebhookConfig(base + "/team-a", secret, null, List.of("team-a")))));

    Batch ofB = runBatch(barge.client("key-b"));
    Batch ofA = runBatch(barge.client("key-a"));

    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> heard.getOrDefault("/all", List.of()).size() == 2
        && heard.containsKey("/team-a"));
    assertThat(heard.get("/all")).containsExactlyInAnyOrder(ofA.id(), ofB.id());
    assertThat(heard.get("/team-a")).containsExactly(ofA.id());
  }
}
