package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.LimitsConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Progress as server-sent events, and results read while the batch still runs. */
class LiveProgressTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;

  private OpenAIClient start(int latencyMs, int concurrency) {
    upstream = e2e.simulator(latencyMs);
    barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, concurrency)));
    return barge.client();
  }

  private HttpResponse<String> get(String path) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(HttpRequest.newBuilder(URI.create(barge.baseUrl + path)).build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  @Test
  void eventsReportProgressUntilTheBatchEnds() throws Exception {
    OpenAIClient client = start(150, 1); // about 2.5 s of work, polled every half second
    Batch batch = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(16, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");

    HttpResponse<String> stream = get("/batches/" + batch.id() + "/events"); // returns when the stream closes
    assertThat(stream.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
    List<String> events = new ArrayList<>();
    List<JsonNode> data = new ArrayList<>();
    for (String line : stream.body().split("\n")) {
      if (line.startsWith("event: ")) events.add(line.substring(7));
      if (line.startsWith("data: ")) data.add(JSON.readTree(line.substring(6)));
    }
    assertThat(events.getFirst()).isEqualTo("progress");
    assertThat(events.getLast()).isEqualTo("end");
    assertThat(events).hasSizeGreaterThan(3); // progress showed on the way, not only at the end
    assertThat(data.getLast().get("status").asText()).isEqualTo("completed");
    List<Integer> completed = data.stream().map(d -> d.at("/request_counts/completed").asInt()).toList();
    assertThat(completed).isSorted();
    assertThat(completed.getLast()).isEqualTo(16);
  }

  @Test
  void partialResultsComeWithACursorWhileTheBatchRuns() throws Exception {
    OpenAIClient client = start(150, 1);
    Batch batch = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(10, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    Set<String> seen = new HashSet<>();
    int after = 0;
    boolean sawPartWhileRunning = false;
    for (int round = 0; round < 200 && seen.size() < 10; round++) {
      HttpResponse<String> page = get("/batches/" + batch.id() + "/partial?after_line=" + after);
      assertThat(page.statusCode()).isEqualTo(200);
      for (String line : page.body().split("\n")) {
        if (line.isBlank()) continue;
        JsonNode result = JSON.readTree(line);
        assertThat(result.at("/response/status_code").asInt()).isEqualTo(200);
        seen.add(result.get("custom_id").asText());
      }
      int next = Integer.parseInt(page.headers().firstValue("barge-next-after-line").orElseThrow());
      if (seen.size() < 10) assertThat(page.headers().firstValue("barge-has-more")).contains("true");
      assertThat(next).isGreaterThanOrEqualTo(after);
      after = next;
      String status = client.batches().retrieve(batch.id()).status().asString();
      if (!seen.isEmpty() && status.equals("in_progress")) sawPartWhileRunning = true;
      Thread.sleep(100);
    }
    assertThat(seen).hasSize(10);
    assertThat(sawPartWhileRunning).isTrue();
    assertThat(get("/batches/" + batch.id() + "/partial?after_line=-1").statusCode()).isEqualTo(400);
    assertThat(get("/batches/batch_nope/partial").statusCode()).isEqualTo(404);
  }
}
