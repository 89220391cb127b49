package dev.barge.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchRecords;
import dev.barge.batch.model.BatchStatus;
import dev.barge.cost.Spend;
import dev.barge.cost.StopReason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which batch calls the budgets cover, and when a batch is recorded as stopped or resumed. */
class BudgetGuardTest {
  private static final long NOW = 1_000_000;

  /** The database as the guard sees it: leases, batches, today's spend; and what it recorded. */
  private static final class FakeLedger implements BudgetGuard.Ledger {
    final Map<String, Integer> leased = new HashMap<>();
    final Map<String, BatchRecord> stored = new HashMap<>();
    final Map<String, Long> spentToday = new HashMap<>();
    final List<String> recorded = new ArrayList<>();
    final List<List<String>> leaseReads = new ArrayList<>();

    @Override
    public Map<String, Integer> leasedCounts(List<String> batchIds) {
      leaseReads.add(batchIds);
      Map<String, Integer> out = new HashMap<>(leased);
      out.keySet().retainAll(batchIds);
      return out;
    }

    @Override
    public Optional<BatchRecord> find(String batchId) {
      return Optional.ofNullable(stored.get(batchId));
    }

    @Override
    public Map<String, Long> spendOn(long day) {
      return spentToday;
    }

    @Override
    public void stop(String batchId, StopReason reason, Long maxCost, long now) {
      recorded.add("stop " + batchId + " " + reason.wireName() + " " + maxCost + " at " + now);
    }

    @Override
    public void resume(String batchId) {
      recorded.add("resume " + batchId);
    }
  }

  private final FakeLedger ledger = new FakeLedger();
  private final Map<String, Long> dailyBudgets = new HashMap<>();
  private final BudgetGuard guard = new BudgetGuard(dailyBudgets::get, ledger);

  /** A running batch of {@code project} with {@code completed} successes that cost {@code cost} in all. */
  private static BatchRecord batch(String id, String project, int completed, int failed, long cost, Long maxCost,
      StopReason stoppedReason) {
    return BatchRecords.builder().id(id).project(project).model("m").status(BatchStatus.IN_PROGRESS).total(1_000)
        .completed(completed).failed(failed).spend(new Spend(cost, cost, maxCost, stoppedReason, null)).build();
  }

  /** Stores {@code b} as the database has it and starts a round with it running. */
  private BatchRecord running(BatchRecord b) {
    ledger.stored.put(b.id(), b);
    return b;
  }

  @Test
  void aBatchWithoutBudgetsIsNeitherLimitedNorRead() {
    BatchRecord b = running(batch("b1", "p", 0, 0, 0, null, null));
    guard.newRound(List.of(b), NOW);
    assertThat(guard.allowance(b)).isEqualTo(Integer.MAX_VALUE);
    assertThat(guard.check(b, NOW)).isEqualTo(BudgetGuard.Verdict.GO);
    assertThat(ledger.leaseReads).isEmpty();
  }

  @Test
  void callsInFlightAndClaimedCountAtTheBatchsAverageCost() {
    BatchRecord b = running(batch("b1", "p", 4, 0, 400, 1_000L, null)); // 100 a call
    ledger.leased.put("b1", 2);
    guard.newRound(List.of(b), NOW);
    assertThat(guard.allowance(b)).isEqualTo(4); // 1,000 - 400 spent - 200 in flight
    guard.claimed(b, 3);
    assertThat(guard.allowance(b)).isEqualTo(1);
    assertThat(guard.check(b, NOW)).isEqualTo(BudgetGuard.Verdict.GO);
  }

  @Test
  void beforeItsFirstSuccessABatchStartsOneCallOrAsManyAsHaveFailed() {
    BatchRecord fresh = running(batch("b1", "p", 0, 0, 0, 1_000L, null));
    BatchRecord failing = running(batch("b2", "p", 0, 3, 0, 1_000L, null));
    ledger.leased.put("b2", 1);
    guard.newRound(List.of(fresh, failing), NOW);
    assertThat(guard.allowance(fresh)).isEqualTo(1);
    assertThat(guard.allowance(failing)).isEqualTo(2); // three failed, one in flight
    guard.claimed(fresh, 1);
    assertThat(guard.allowance(fresh)).isZero();
  }

  @Test
  void theNextCallPassingTheBatchBudgetWithNoneInFlightStopsTheBatchOnce() {
    BatchRecord b = running(batch("b1", "p", 10, 0, 950, 1_000L, null)); // 95 a call, 50 left
    guard.newRound(List.of(b), NOW);
    assertThat(guard.allowance(b)).isZero();
    assertThat(guard.check(b, NOW)).isEqualTo(BudgetGuard.Verdict.STOPPED);
    assertThat(ledger.recorded).containsExactly("stop b1 batch_budget 1000 at " + NOW);

    BatchRecord stopped = running(batch("b1", "p", 10, 0, 950, 1_000L, StopReason.BATCH_BUDGET));
    guard.newRound(List.of(stopped), NOW);
    assertThat(guard.check(stopped, NOW)).isEqualTo(BudgetGuard.Verdict.WAIT); // recorded already
    assertThat(ledger.recorded).hasSize(1);
  }

  @Test
  void aBatchWithCallsInFlightOnlyWaitsForTheirAnswers() {
    BatchRecord b = running(batch("b1", "p", 10, 0, 900, 1_000L, null)); // 90 a call, 100 left
    ledger.leased.put("b1", 2);
    guard.newRound(List.of(b), NOW);
    assertThat(guard.check(b, NOW)).isEqualTo(BudgetGuard.Verdict.WAIT);
    assertThat(ledger.recorded).isEmpty();
  }

  @Test
  void aRaisedBudgetReadThisRoundResumesAStoppedBatch() {
    BatchRecord asListed = batch("b1", "p", 10, 0, 950, 1_000L, StopReason.BATCH_BUDGET);
    running(batch("b1", "p", 10, 0, 950, 2_000L, StopReason.BATCH_BUDGET)); // raised since the list was read
    guard.newRound(List.of(asListed), NOW);
    assertThat(guard.allowance(asListed)).isEqualTo(11); // 1,050 left at 95 a call
    assertThat(guard.check(asListed, NOW)).isEqualTo(BudgetGuard.Verdict.RESUMED);
    assertThat(ledger.recorded).containsExactly("resume b1");
  }

  @Test
  void aProjectsDailyBudgetIsSharedByItsBatchesAndStopsThemWhenSpent() {
    dailyBudgets.put("p", 10_000L);
    ledger.spentToday.put("p", 9_500L);
    BatchRecord first = running(batch("b1", "p", 10, 0, 1_000, null, null)); // 100 a call
    BatchRecord second = running(batch("b2", "p", 10, 0, 1_000, null, null));
    ledger.leased.put("b2", 1);
    guard.newRound(List.of(first, second), NOW);
    assertThat(guard.allowance(first)).isEqualTo(4); // 500 left today, 100 of it in flight
    guard.claimed(first, 4);
    assertThat(guard.allowance(second)).isZero();
    assertThat(guard.check(second, NOW)).isEqualTo(BudgetGuard.Verdict.WAIT); // one of its calls in flight
    assertThat(guard.check(running(batch("b3", "p", 10, 0, 1_000, null, null)), NOW))
        .isEqualTo(BudgetGuard.Verdict.STOPPED);
    assertThat(ledger.recorded).containsExactly("stop b3 project_budget null at " + NOW);
  }
}
