package dev.barge.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.barge.store.RequestUpdate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class ResultRecorderTest {
  @Test
  void resultsAreWrittenOnceTheDatabaseRecoversHoweverLongItFailed() {
    AtomicInteger failuresLeft = new AtomicInteger(7);
    List<RequestUpdate> written = new CopyOnWriteArrayList<>();
    Consumer<List<RequestUpdate>> database = group -> {
      if (failuresLeft.getAndDecrement() > 0) throw new IllegalStateException("connection is not available");
      written.addAll(group);
    };
    List<RequestUpdate> results = List.of(new RequestUpdate.Requeued("b", 1, "n", 0),
        new RequestUpdate.Requeued("b", 2, "n", 0), new RequestUpdate.Requeued("b", 3, "n", 0));

    try (ResultRecorder<RequestUpdate> recorder = new ResultRecorder<>(database, Duration.ofMillis(1))) {
      results.forEach(recorder::add);
      // More failures than it used to try (5); each of these results is an upstream call already paid for: none is given up.
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> written.size() == results.size());
    }
    assertThat(written).containsExactlyInAnyOrderElementsOf(results);
    assertThat(failuresLeft.get()).isNegative();
  }
}
