package dev.barge.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchRecords;
import dev.barge.batch.model.BatchStatus;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FairShareTest {
  private static BatchRecord batch(String id, String project, int priority, long expiresAt) {
    return BatchRecords.builder().id(id).project(project).model("m").inputFileId("file").status(BatchStatus.IN_PROGRESS)
        .expiresAt(expiresAt).total(10).priority(priority).build();
  }

  /** Calls each batch gets over {@code rounds} rounds of {@code capacity}, every batch using all it is given. */
  private static Map<String, Integer> run(FairShare fair, List<BatchRecord> batches, int capacity, int rounds) {
    Map<String, Integer> got = new HashMap<>();
    for (int r = 0; r < rounds; r++) {
      for (FairShare.Allotment a : fair.split(capacity, batches)) {
        fair.used(a.batch(), a.calls());
        got.merge(a.batch().id(), a.calls(), Integer::sum);
      }
    }
    return got;
  }

  @Test
  void batchesOfAProjectShareByPriorityEvenOneCallAtATime() {
    List<BatchRecord> batches = List.of(batch("big", "p", 1, 9), batch("urgent", "p", 3, 9));
    assertThat(run(new FairShare(), batches, 1, 400)).containsEntry("big", 100).containsEntry("urgent", 300);
  }

  @Test
  void projectsShareEquallyWhateverTheirNumberOfBatches() {
    List<BatchRecord> batches = List.of(batch("a1", "a", 1, 9), batch("a2", "a", 1, 9), batch("a3", "a", 1, 9),
        batch("b1", "b", 1, 9));
    Map<String, Integer> got = run(new FairShare(), batches, 6, 100);
    assertThat(got.get("b1")).isEqualTo(300);
    assertThat(got.get("a1") + got.get("a2") + got.get("a3")).isEqualTo(300);
  }

  @Test
  void onTheSameCreditTheNearerDeadlineGoesFirst() {
    List<BatchRecord> batches = List.of(batch("later", "p", 1, 2_000), batch("sooner", "p", 1, 1_000));
    assertThat(new FairShare().split(1, batches).getFirst().batch().id()).isEqualTo("sooner");
  }

  @Test
  void neverMoreThanTheCapacity() {
    List<BatchRecord> batches = List.of(batch("x", "p", 7, 9), batch("y", "q", 2, 9), batch("z", "q", 5, 9));
    FairShare fair = new FairShare();
    for (int capacity : new int[] {0, 1, 2, 3, 17, 64}) {
      assertThat(fair.split(capacity, batches).stream().mapToInt(FairShare.Allotment::calls).sum())
          .isLessThanOrEqualTo(capacity);
    }
  }

  @Test
  void aBatchInDebtFromLeftoversIsNeverAllottedLessThanNothingNorTheOthersMoreThanTheCapacity() {
    FairShare fair = new FairShare();
    BatchRecord a = batch("a", "p", 1, 9);
    BatchRecord b = batch("b", "p", 1, 9);
    fair.split(10, List.of(a, b));
    fair.used(b, 20); // b took its share and a's leftovers, twice over
    var allotted = fair.split(10, List.of(a, b, batch("c", "p", 1, 9)));
    assertThat(allotted).allMatch(share -> share.calls() >= 0);
    assertThat(allotted.stream().mapToInt(FairShare.Allotment::calls).sum()).isLessThanOrEqualTo(10);
  }
}
