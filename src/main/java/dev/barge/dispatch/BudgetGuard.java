package dev.barge.dispatch;

import dev.barge.store.BatchRecord;
import dev.barge.store.Spend;
import dev.barge.store.SpendStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Keeps batch work inside its budgets: the batch's own {@code max_cost} and its project's daily budget.
 * A call's price is known only once it answers, so the guard counts calls that were claimed but whose
 * results are not written yet as costing what the batch's successful calls cost on average, and lets a
 * batch start only as many calls as its budgets still cover. A batch with no priced result yet starts one
 * call at a time. So spending passes a budget by no more than the calls in flight when it was reached.
 */
final class BudgetGuard {
  private final Function<String, Long> dailyBudget;
  private final SpendStore spend;
  /** Per batch, calls claimed whose results are not yet in the batch records this round reads. */
  private final Map<String, AtomicInteger> pending = new ConcurrentHashMap<>();
  /** Per batch, calls whose results were written since the last {@link #beforeRead}. */
  private final Map<String, Integer> written = new ConcurrentHashMap<>();
  /** Per project with a daily budget, what is left of it this round after what is in flight. */
  private final Map<String, Long> projectLeft = new HashMap<>();

  /** @param dailyBudget a project's daily budget in picodollars, or null for none */
  BudgetGuard(Function<String, Long> dailyBudget, SpendStore spend) {
    this.dailyBudget = dailyBudget;
    this.spend = spend;
  }

  /**
   * Call before the round reads the batches: results written before this are in what it reads, so they
   * stop counting as pending. (Results written after it are counted twice until the next round: safe.)
   */
  void beforeRead() {
    for (String batchId : written.keySet()) {
      Integer n = written.remove(batchId); // atomic: what is written meanwhile starts a new entry
      if (n == null) continue;
      pending.computeIfPresent(batchId, (k, count) -> count.addAndGet(-n) <= 0 ? null : count);
    }
  }

  /** Takes stock after the round read the batches: reads today's spend if any project has a daily budget. */
  void newRound(List<BatchRecord> running, long now) {
    projectLeft.clear();
    if (running.stream().noneMatch(b -> dailyBudget.apply(b.project()) != null)) return;
    Map<String, Long> spentToday = spend.batchSpendOn(SpendStore.dayOf(now));
    for (BatchRecord b : running) {
      Long budget = dailyBudget.apply(b.project());
      if (budget == null) continue;
      projectLeft.putIfAbsent(b.project(), budget - spentToday.getOrDefault(b.project(), 0L));
      projectLeft.merge(b.project(), -inFlightCost(b), Long::sum);
    }
  }

  /** How many more calls of {@code b} its budgets cover now; {@link Integer#MAX_VALUE} when none limits it. */
  int allowance(BatchRecord b) {
    long left = Math.min(batchLeft(b), projectLeft.getOrDefault(b.project(), Long.MAX_VALUE));
    if (left == Long.MAX_VALUE) return Integer.MAX_VALUE;
    if (left <= 0) return 0;
    long perCall = averageCost(b);
    if (perCall < 0) return pending(b.id()) == 0 ? 1 : 0; // learn the price from one call first
    if (perCall == 0) return Integer.MAX_VALUE;
    return (int) Math.min(Integer.MAX_VALUE, left / perCall);
  }

  /**
   * Which budget holds {@code b} back for good (until it is raised or a new day starts): none of its calls
   * is in flight and the next would pass a budget. Null when it may go on or must only wait for results.
   */
  String stoppedBy(BatchRecord b) {
    if (pending(b.id()) > 0 || allowance(b) > 0) return null;
    return batchLeft(b) <= projectLeft.getOrDefault(b.project(), Long.MAX_VALUE)
        ? Spend.BATCH_BUDGET : Spend.PROJECT_BUDGET;
  }

  void claimed(BatchRecord b, int n) {
    if (n <= 0) return;
    pending.computeIfAbsent(b.id(), k -> new AtomicInteger()).addAndGet(n);
    long perCall = Math.max(0, averageCost(b));
    projectLeft.computeIfPresent(b.project(), (p, left) -> left - n * perCall);
  }

  /** {@code n} calls of the batch have their results written (or will never have one). */
  void settled(String batchId, int n) {
    if (n > 0) written.merge(batchId, n, Integer::sum);
  }

  private int pending(String batchId) {
    AtomicInteger count = pending.get(batchId);
    return count == null ? 0 : count.get();
  }

  private long batchLeft(BatchRecord b) {
    Long max = b.spend().maxCost();
    return max == null ? Long.MAX_VALUE : max - b.spend().cost() - inFlightCost(b);
  }

  private long inFlightCost(BatchRecord b) {
    return pending(b.id()) * Math.max(0, averageCost(b));
  }

  /** What a successful call of the batch cost on average, in picodollars; -1 before the first. */
  private static long averageCost(BatchRecord b) {
    return b.completed() == 0 ? -1 : Math.ceilDiv(b.spend().cost(), b.completed());
  }
}
