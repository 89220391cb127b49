package dev.barge.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchRecords;
import dev.barge.batch.model.BatchStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BatchFeedTest {
  private final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();
  private final Map<String, BatchRecord> stored = new ConcurrentHashMap<>();
  private final BatchFeed feed = new BatchFeed(id -> {
    reads.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    return Optional.ofNullable(stored.get(id));
  }, new ProjectPermits(3));

  @Test
  void manyStreamsOfABatchCostOneReadPerRound() throws InterruptedException {
    stored.put("batch_a", batch("batch_a", 0));
    List<BatchFeed.Watch> streams = new ArrayList<>();
    for (int i = 0; i < 3; i++) streams.add(feed.watch("p", stored.get("batch_a")));

    stored.put("batch_a", batch("batch_a", 7));
    feed.pollOnce();

    assertThat(reads.get("batch_a")).hasValue(1);
    for (BatchFeed.Watch stream : streams) assertThat(stream.next().completed()).isEqualTo(7);
    streams.forEach(BatchFeed.Watch::close);
    feed.pollOnce();
    assertThat(reads.get("batch_a")).as("a batch nobody watches is not read").hasValue(1);
  }

  @Test
  void aProjectHoldsAtMostItsLimitOfStreamsAndAClosedOneFreesItsPlace() {
    stored.put("batch_a", batch("batch_a", 0));
    List<BatchFeed.Watch> streams = new ArrayList<>();
    for (int i = 0; i < 3; i++) streams.add(feed.watch("p", stored.get("batch_a")));

    assertThatThrownBy(() -> feed.watch("p", stored.get("batch_a"))).isInstanceOf(TooManyRequestsException.class)
        .hasMessageContaining("batch.max_event_streams_per_project");
    feed.watch("other", stored.get("batch_a")).close(); // another project has its own
    streams.getFirst().close();
    streams.getFirst().close(); // twice frees one place, not two
    feed.watch("p", stored.get("batch_a"));
    assertThatThrownBy(() -> feed.watch("p", stored.get("batch_a"))).isInstanceOf(TooManyRequestsException.class);
  }

  private static BatchRecord batch(String id, int completed) {
    return BatchRecords.builder().id(id).model("m").status(BatchStatus.IN_PROGRESS).expiresAt(1).total(10)
        .completed(completed).build();
  }
}
