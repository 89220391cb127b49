package dev.barge.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStatus;
import dev.barge.config.SimulatorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kill -9 while background responses are queued and running, then restart: every response accepted before
 * the kill completes, with its answer.
 */
class BackgroundCrashTest {
  private static final int RESPONSES = 200;

  @RegisterExtension final BargeExtension e2e = new BargeExtension();

  @Test
  void backgroundResponsesAcceptedBeforeAKillAllCompleteAfterTheRestart() throws Exception {
    // 64 calls at once, 2 s each: the kill comes as the first ones are done, the next in flight, the rest queued.
    var upstream = e2e.simulator(new SimulatorConfig(2_000, 50, 0.0, 0.0, 20, null, null, 7L));
    Path config = CrashTest.writeConfig(e2e.dir(), e2e.storage(e2e.dataDir()), upstream.baseUrl());
    KilledServer barge = new KilledServer(e2e, config, e2e.dir().resolve("barge.log"));

    OpenAIClient client = barge.client();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < RESPONSES; i++) {
      ids.add(client.responses().create(ResponseCreateParams.builder().model("sim-chat").input("Question " + i)
          .background(true).build()).id());
    }
    Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(20))
        .until(() -> client.responses().retrieve(ids.getFirst()).status().orElseThrow().equals(ResponseStatus.COMPLETED));
    Map<ResponseStatus, Integer> atKill = statuses(client, ids);
    String kill = barge.killAndRestart("with " + atKill);
    System.out.println("BackgroundCrashTest (" + (TestStorage.onPostgres() ? "PostgreSQL" : "SQLite") + ") killed " + kill);

    OpenAIClient after = barge.client();
    Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
        .until(() -> statuses(after, ids).getOrDefault(ResponseStatus.COMPLETED, 0) == RESPONSES);
    for (int i = 0; i < RESPONSES; i++) {
      Response done = after.responses().retrieve(ids.get(i));
      String text = done.output().getFirst().asMessage().content().getFirst().asOutputText().text();
      assertThat(text).as("response %d", i).contains("Question " + i);
    }
  }

  private static Map<ResponseStatus, Integer> statuses(OpenAIClient client, List<String> ids) {
    Map<ResponseStatus, Integer> counts = new java.util.HashMap<>();
    for (String id : ids) counts.merge(client.responses().retrieve(id).status().orElseThrow(), 1, Integer::sum);
    return counts;
  }
}
