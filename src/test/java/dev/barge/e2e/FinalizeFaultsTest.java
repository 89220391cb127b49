package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Writing a batch's result files can fail (a full disk) or take long (a large batch, a slow disk): that batch
 * waits and tries again, backing off, and no other batch waits for it.
 */
class FinalizeFaultsTest {
  private static final Duration AT_MOST = Duration.ofSeconds(30);

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;
  private FaultyBlobs blobs;

  private OpenAIClient start(Clock clock) {
    upstream = e2e.simulator(0);
    BargeConfig config = BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, 8));
    barge = e2e.start(config, clock, disk -> blobs = new FaultyBlobs(disk));
    e2e.closing(blobs::release); // first: a held write must not hold up Barge's close
    return barge.client();
  }

  private static List<String> lines(String prefix, int count) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < count; i++) out.add(Lines.chatLine(prefix + i, MODEL, "Say something about " + i));
    return out;
  }

  private Batch create(OpenAIClient client, String name, String prefix, int count) {
    String file = TestBarge.upload(client, e2e.dir(), name, lines(prefix, count));
    return TestBarge.create(client, file, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
  }

  @Test
  void aFailingFinalizeBacksOffWhileOthersCompleteAndCompletesOnceTheFaultClears() {
    FileExpiryTest.MovableClock clock = new FileExpiryTest.MovableClock();
    OpenAIClient client = start(clock);
    String doomedInput = TestBarge.upload(client, e2e.dir(), "doomed.jsonl", lines("doomed-", 3));
    blobs.failWritesOf("doomed-"); // a disk that is full for this batch's result files

    Batch doomed = TestBarge.create(client, doomedInput, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    Batch other = create(client, "other.jsonl", "other-", 4);
    assertThat(TestBarge.awaitEnd(client, other.id(), AT_MOST).status()).isEqualTo(Batch.Status.COMPLETED);
    Awaitility.await().atMost(AT_MOST).until(() -> blobs.failedWrites() == 1);

    // A batch created after the failure goes through every step of the lifecycle while the failed one waits
    // out its back-off (the clock stands still): no second attempt, no retry every round.
    Batch later = create(client, "later.jsonl", "later-", 2);
    assertThat(TestBarge.awaitEnd(client, later.id(), AT_MOST).status()).isEqualTo(Batch.Status.COMPLETED);
    assertThat(blobs.failedWrites()).isEqualTo(1);
    assertThat(client.batches().retrieve(doomed.id()).status()).isEqualTo(Batch.Status.FINALIZING);

    clock.advance(Duration.ofSeconds(1)); // the first back-off
    Awaitility.await().atMost(AT_MOST).until(() -> blobs.failedWrites() == 2);
    blobs.failWritesOf(null); // space was freed
    clock.advance(Duration.ofSeconds(2)); // the second, doubled
    // The back-off counts from when the finalizer noted the failure, which may come just after the test saw
    // it: then the attempt is due up to two seconds later. Time moves on a second at a time, three at most
    // (further ahead of the database's clock, the node would look dead to itself).
    int[] extra = {0};
    Awaitility.await().atMost(AT_MOST).pollInterval(Duration.ofSeconds(1)).until(() -> {
      if (client.batches().retrieve(doomed.id()).status().equals(Batch.Status.COMPLETED)) return true;
      if (extra[0]++ < 3) clock.advance(Duration.ofSeconds(1));
      return false;
    });
    Batch done = TestBarge.awaitEnd(client, doomed.id(), AT_MOST);
    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    assertThat(TestBarge.contentLines(client, done.outputFileId().orElseThrow())).hasSize(3);
    assertThat(blobs.failedWrites()).isEqualTo(2);
  }

  @Test
  void aFinalizeThatHangsHoldsUpNoOtherBatch() {
    OpenAIClient client = start(Clock.systemUTC());
    String slowInput = TestBarge.upload(client, e2e.dir(), "slow.jsonl", lines("slow-", 3));
    blobs.hangWritesOf("slow-");

    Batch slow = TestBarge.create(client, slowInput, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    Awaitility.await().atMost(AT_MOST).until(() -> blobs.hungWrites() == 1);
    Batch other = create(client, "other.jsonl", "other-", 4);

    assertThat(TestBarge.awaitEnd(client, other.id(), AT_MOST).status()).isEqualTo(Batch.Status.COMPLETED);
    assertThat(client.batches().retrieve(slow.id()).status()).isEqualTo(Batch.Status.FINALIZING);
    blobs.release();
    assertThat(TestBarge.awaitEnd(client, slow.id(), AT_MOST).status()).isEqualTo(Batch.Status.COMPLETED);
  }

  @Test
  void aFinalizeStartsOnlyWhenTheBlobStoreHasRoomForItsFiles() {
    OpenAIClient client = start(Clock.systemUTC());
    String input = TestBarge.upload(client, e2e.dir(), "in.jsonl", lines("req-", 3));
    blobs.space(1L << 20); // 1 MiB free: less than the reserve the files must leave

    Batch batch = TestBarge.create(client, input, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");
    Awaitility.await().atMost(AT_MOST).until(() -> blobs.spaceChecks() >= 1);
    assertThat(blobs.creates()).as("no result file was started").isZero();
    assertThat(client.batches().retrieve(batch.id()).status()).isEqualTo(Batch.Status.FINALIZING);

    blobs.space(-1); // the disk's own free space again
    Batch done = TestBarge.awaitEnd(client, batch.id(), AT_MOST);
    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    assertThat(TestBarge.contentLines(client, done.outputFileId().orElseThrow())).hasSize(3);
  }
}
