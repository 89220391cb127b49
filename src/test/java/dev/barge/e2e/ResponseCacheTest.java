package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.LimitsConfig;
import dev.barge.config.ModelPrice;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The response cache across batches: a batch that resends what an earlier one asked is answered from its
 * results, without upstream calls (counted on the simulator) and at cost 0; sampled requests only when the
 * batch says {@code cache: "always"}.
 */
class ResponseCacheTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ModelPrice PRICE = new ModelPrice(new BigDecimal("2.50"), new BigDecimal("1.25"),
      new BigDecimal("10.00"));
  private static final int LINES = 30;

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  private OpenAIClient start() {
    upstream = e2e.simulator(SimulatorConfig.defaults());
    barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, 4))
        .withPricing(Map.of(MODEL, PRICE)));
    return barge.client();
  }

  /** An eval suite: one question per line, sampled at {@code temperature} (null: the API's default). */
  private static List<String> evalLines(String idPrefix, Double temperature, boolean reordered) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < LINES; i++) {
      ObjectNode body = JSON.createObjectNode();
      if (reordered) { // the same request, its keys in another order: the same cache key
        body.putArray("messages").addObject().put("role", "user").put("content", "Eval question " + i);
        if (temperature != null) body.put("temperature", temperature);
        body.put("model", MODEL);
      } else {
        body.put("model", MODEL);
        if (temperature != null) body.put("temperature", temperature);
        body.putArray("messages").addObject().put("content", "Eval question " + i).put("role", "user");
      }
      ObjectNode line = JSON.createObjectNode().put("custom_id", idPrefix + i).put("method", "POST")
          .put("url", "/v1/chat/completions");
      line.set("body", body);
      lines.add(reordered ? line.toPrettyString().replace("\n", " ") : line.toString());
    }
    return lines;
  }

  private Batch run(OpenAIClient client, String name, List<String> lines, Object cache) {
    String file = TestBarge.upload(client, e2e.dir(), name, lines);
    BatchCreateParams.Builder params = BatchCreateParams.builder().inputFileId(file)
        .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS)
        .completionWindow(BatchCreateParams.CompletionWindow._24H);
    if (cache != null) params.putAdditionalBodyProperty("cache", JsonValue.from(cache));
    Batch batch = client.batches().create(params.build());
    Batch done = TestBarge.awaitEnd(client, batch.id(), Duration.ofSeconds(60));
    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    assertThat(done.requestCounts().orElseThrow().completed()).isEqualTo(LINES);
    return done;
  }

  /** Answers the simulator has given so far. */
  private long upstreamAnswers() throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      String stats = http.send(HttpRequest.newBuilder(URI.create(upstream.baseUrl().replace("/v1", "/simulator/stats")))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      long total = 0;
      for (JsonNode n : JSON.readTree(stats).path("answers")) total += n.asLong();
      return total;
    }
  }

  /** The output's lines by custom_id. */
  private Map<String, JsonNode> output(OpenAIClient client, Batch batch) throws Exception {
    Map<String, JsonNode> out = new HashMap<>();
    for (String line : TestBarge.contentLines(client, batch.outputFileId().orElseThrow())) {
      JsonNode row = JSON.readTree(line);
      out.put(row.get("custom_id").asText(), row);
    }
    return out;
  }

  @Test
  void aRerunOfADeterministicEvalIsAnsweredFromTheCacheWithNoUpstreamCallAtNoCost() throws Exception {
    OpenAIClient client = start();
    Batch first = run(client, "eval-1.jsonl", evalLines("a-", 0.0, false), true);
    long calls = upstreamAnswers();
    assertThat(calls).isEqualTo(LINES);
    JsonNode firstBarge = barge.getJson("/batches/" + first.id()).get("barge");
    assertThat(firstBarge.get("cached_requests").asInt()).isZero();
    assertThat(firstBarge.get("cost").decimalValue()).isPositive();

    // The same questions, laid out differently, under other custom_ids.
    Batch second = run(client, "eval-2.jsonl", evalLines("b-", 0.0, true), true);
    assertThat(upstreamAnswers()).isEqualTo(calls); // not one call
    JsonNode secondBarge = barge.getJson("/batches/" + second.id()).get("barge");
    assertThat(secondBarge.get("cached_requests").asInt()).isEqualTo(LINES);
    assertThat(secondBarge.get("cost").decimalValue()).isZero();
    assertThat(secondBarge.get("saved").decimalValue()).isEqualByComparingTo(firstBarge.get("cost").decimalValue());

    Map<String, JsonNode> before = output(client, first);
    Map<String, JsonNode> after = output(client, second);
    for (int i = 0; i < LINES; i++) {
      JsonNode cached = after.get("b-" + i);
      assertThat(cached.at("/barge/cached").asBoolean()).isTrue();
      assertThat(cached.at("/response/body")).isEqualTo(before.get("a-" + i).at("/response/body"));
      assertThat(before.get("a-" + i).has("barge")).isFalse();
    }
  }

  @Test
  void sampledRequestsAreCalledAgainUnlessTheBatchSaysAlways() throws Exception {
    OpenAIClient client = start();
    run(client, "warm.jsonl", evalLines("w-", 1.0, false), true);
    assertThat(upstreamAnswers()).isEqualTo(LINES);
    // temperature 1 may answer otherwise each time: cache true does not reuse it.
    Batch sampled = run(client, "sampled.jsonl", evalLines("s-", 1.0, false), true);
    assertThat(upstreamAnswers()).isEqualTo(2 * LINES);
    assertThat(barge.getJson("/batches/" + sampled.id()).at("/barge/cached_requests").asInt()).isZero();
    // A batch off the cache neither uses nor feeds it; "always" takes what an "always" batch left.
    run(client, "always-1.jsonl", evalLines("x-", null, false), "always");
    run(client, "off.jsonl", evalLines("o-", null, false), false);
    assertThat(upstreamAnswers()).isEqualTo(4 * LINES);
    Batch always = run(client, "always-2.jsonl", evalLines("y-", null, false), "always");
    assertThat(upstreamAnswers()).isEqualTo(4 * LINES);
    assertThat(barge.getJson("/batches/" + always.id()).at("/barge/cache").asText()).isEqualTo("always");
    assertThat(barge.getJson("/batches/" + always.id()).at("/barge/cached_requests").asInt()).isEqualTo(LINES);
  }

  @Test
  void aCacheValueOtherThanTrueFalseOrAlwaysIsRefused() {
    OpenAIClient client = start();
    String file = TestBarge.upload(client, e2e.dir(), "x.jsonl", evalLines("z-", 0.0, false));
    assertThatThrownBy(() -> client.batches().create(BatchCreateParams.builder().inputFileId(file)
        .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS)
        .completionWindow(BatchCreateParams.CompletionWindow._24H)
        .putAdditionalBodyProperty("cache", JsonValue.from("sometimes")).build()))
        .isInstanceOf(BadRequestException.class).hasMessageContaining("cache");
  }
}
