package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.LimitsConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.config.SimulatorPrefixCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Prefix-aware dispatch: lines sharing a long system prompt, interleaved in the file, are claimed one
 * after another, so a backend that keeps one prefix resident (the simulator's prefix cache, one entry)
 * answers all but the first of each group from it; the batch reports the prompt tokens the backend said
 * were cached.
 */
class PrefixGroupingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PROMPTS = 4;
  private static final int PER_PROMPT = 10;

  @RegisterExtension final BargeExtension e2e = new BargeExtension();

  /** Line i asks question i under system prompt i % PROMPTS: every neighbour has another prompt. */
  private static List<String> interleaved() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < PROMPTS * PER_PROMPT; i++) {
      ObjectNode line = JSON.createObjectNode().put("custom_id", "q" + i).put("method", "POST")
          .put("url", "/v1/chat/completions");
      ObjectNode body = line.putObject("body").put("model", MODEL).put("temperature", 0);
      ArrayNode messages = body.putArray("messages");
      messages.addObject().put("role", "system").put("content", ("You review contract " + (i % PROMPTS)
          + ". Clause: the party of the first part shall deliver the goods on time. ").repeat(30));
      messages.addObject().put("role", "user").put("content", "Question " + i + ": is clause " + i + " fair?");
      lines.add(line.toString());
    }
    return lines;
  }

  /** The batch's usage after it ran on one slot of a backend holding one prefix; grouping on or off. */
  private JsonNode run(boolean grouped) {
    SimulatorConfig simulator = new SimulatorConfig(null, null, null, null, null, null, null, 1L, null, null, null,
        null, null, null, new SimulatorPrefixCache(1, null));
    TestBarge barge = e2e.start(BargeExtension.onSimulator(e2e.simulator(simulator), MODEL,
            new LimitsConfig(null, null, 1)).withBatch(TestBarge.batch("group_prefixes: " + grouped)),
        e2e.dir().resolve(grouped ? "grouped" : "ungrouped"), java.time.Clock.systemUTC());
    OpenAIClient client = barge.client();
    String file = TestBarge.upload(client, e2e.dir(), "reviews.jsonl", interleaved());
    Batch batch = TestBarge.create(client, file, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    Batch done = TestBarge.awaitEnd(client, batch.id(), Duration.ofSeconds(60));
    assertThat(done.requestCounts().orElseThrow().completed()).isEqualTo(PROMPTS * PER_PROMPT);
    JsonNode usage = barge.getJson("/batches/" + batch.id()).get("usage");
    e2e.closeAll();
    return usage;
  }

  @Test
  void linesSharingAPrefixRunTogetherAndTheBackendsCachedTokensAreReported() {
    JsonNode grouped = run(true);
    long input = grouped.get("input_tokens").asLong();
    long cached = grouped.at("/input_tokens_details/cached_tokens").asLong();
    // One miss per prompt: the other 36 of 40 requests find their prompt resident.
    assertThat((double) cached / input).isGreaterThan(0.8);

    JsonNode ungrouped = run(false);
    assertThat(ungrouped.get("input_tokens").asLong()).isEqualTo(input);
    // In file order every request comes after another prompt, which evicted its own.
    assertThat(ungrouped.at("/input_tokens_details/cached_tokens").asLong()).isZero();
  }
}
