package dev.barge.dispatch;

import dev.barge.batch.model.BatchRecord;
import dev.barge.cost.StopReason;
import dev.barge.store.BatchStore;
import dev.barge.store.RequestQueries;
import dev.barge.store.SpendStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps batch work inside its budgets: the batch's own {@code max_cost} and its project's daily budget.
 * A call's price is known only once it answers, so every call in flight (a leased request, on any node)
 * counts as costing what the batch's successful calls cost on average, and a batch may start only as
 * many calls as its budgets still cover. So spending passes a budget by no more than the calls in flight
 * when it was reached. Before its first success a batch starts one call at a time, then as many at once
 * as it has seen fail: failures cost nothing, and this finds its footing quickly when lines fail.
 *
 * <p>A batch held back for good is recorded as stopped (its budget passed), and resumed when that no
 * longer holds (a budget raised, a new day for a project budget).
 *
 * <p>Used by the dispatcher thread only, one round at a time.
 */
final class BudgetGuard {
  private static final Logger log = LoggerFactory.getLogger(BudgetGuard.class);

  /** What the guard reads and records in the database. */
  interface Ledger {
    /** Per batch of {@code batchIds}, its calls in flight (leased, by any node); batches with none left out. */
    Map<String, Integer> leasedCounts(List<String> batchIds);

    Optional<BatchRecord> find(String batchId);

    /** What each project spent on {@code day}. */
    Map<String, Long> spendOn(long day);

    /** Records that dispatch stopped for {@code reason} (the batch's budget was {@code maxCost}). */
    void stop(String batchId, StopReason reason, Long maxCost, long now);

    void resume(String batchId);

    static Ledger of(BatchStore batches, RequestQueries requests, SpendStore spend) {
      return new Ledger() {
        @Override
        public Map<String, Integer> leasedCounts(List<String> batchIds) {
          return requests.leasedCounts(batchIds);
        }

        @Override
        public Optional<BatchRecord> find(String batchId) {
          return batches.find(batchId);
        }

        @Override
        public Map<String, Long> spendOn(long day) {
          return spend.spendOn(day);
        }

        @Override
        public void stop(String batchId, StopReason reason, Long maxCost, long now) {
          batches.stop(batchId, reason, maxCost, now);
        }

        @Override
        public void resume(String batchId) {
          batches.resume(batchId);
        }
      };
    }
  }

  private final Function<String, Long> dailyBudget;
  private final Ledger ledger;
  /** This round: the budgeted batches as read after their calls in flight were counted. */
  private final Map<String, BatchRecord> fresh = new HashMap<>();
  /** This round: per budgeted batch, its calls in flight (leased in the store, plus claimed since). */
  private final Map<String, Integer> inFlight = new HashMap<>();
  /** This round: per project with a daily budget, what is left of it after the calls in flight. */
  private final Map<String, Long> projectLeft = new HashMap<>();

  /** @param dailyBudget a project's daily budget in picodollars, or null for none */
  BudgetGuard(Function<String, Long> dailyBudget, Ledger ledger) {
    this.dailyBudget = dailyBudget;
    this.ledger = ledger;
  }

  /** Takes stock at the start of a round, once the batches are read: calls in flight, and today's spend. */
  void newRound(List<BatchRecord> running, long now) {
    inFlight.clear();
    projectLeft.clear();
    fresh.clear();
    List<String> ids = running.stream().filter(this::budgeted).map(BatchRecord::id).toList();
    if (ids.isEmpty()) return;
    // Calls in flight first, spending after: a result written in between is counted both as spent and
    // as in flight (safe); none can be missing from both.
    inFlight.putAll(ledger.leasedCounts(ids));
    for (String id : ids) ledger.find(id).ifPresent(b -> fresh.put(id, b));
    List<BatchRecord> budgeted = List.copyOf(fresh.values());
    if (budgeted.stream().noneMatch(b -> dailyBudget.apply(b.project()) != null)) return;
    Map<String, Long> spentToday = ledger.spendOn(SpendStore.dayOf(now));
    for (BatchRecord b : budgeted) {
      Long budget = dailyBudget.apply(b.project());
      if (budget == null) continue;
      projectLeft.putIfAbsent(b.project(), budget - spentToday.getOrDefault(b.project(), 0L));
      projectLeft.merge(b.project(), -inFlightCost(b), Long::sum);
    }
  }

  /** What {@link #check} found for a batch. */
  enum Verdict {
    /** Its budgets let it start calls now. */
    GO,
    /** It waits: its budgets cover no more calls until some of those in flight answer. */
    WAIT,
    /** Its budgets hold it back for good; the stop was recorded just now. */
    STOPPED,
    /** A recorded stop no longer holds and was lifted just now; it may start calls. */
    RESUMED;

    boolean mayStart() {
      return this == GO || this == RESUMED;
    }

    /** Whether the batch's record changed (the dispatcher reads the batches again). */
    boolean recorded() {
      return this == STOPPED || this == RESUMED;
    }
  }

  /**
   * Whether the batch's budgets let it start calls now; records a stop when they hold it back for good,
   * and lifts a stop that no longer holds (a budget raised, a new day for a project budget).
   */
  Verdict check(BatchRecord read, long now) {
    BatchRecord b = current(read);
    boolean allowed = allowance(b) > 0;
    StopReason stoppedBy = stoppedBy(b);
    StopReason recorded = b.spend().stoppedReason();
    if (stoppedBy != null && stoppedBy != recorded) {
      ledger.stop(b.id(), stoppedBy, b.spend().maxCost(), now);
      log.info("batch {} stopped: the next request would pass its {}", b.id(),
          stoppedBy == StopReason.BATCH_BUDGET ? "budget" : "project's daily budget");
      return Verdict.STOPPED;
    }
    if (stoppedBy == null && recorded != null && allowed) {
      ledger.resume(b.id());
      log.info("batch {} goes on: its budget allows more work again", b.id());
      return Verdict.RESUMED;
    }
    return allowed ? Verdict.GO : Verdict.WAIT;
  }

  /** How many more calls of {@code b} its budgets cover now; {@link Integer#MAX_VALUE} when none limits it. */
  int allowance(BatchRecord read) {
    BatchRecord b = current(read);
    long left = Math.min(batchLeft(b), projectLeft.getOrDefault(b.project(), Long.MAX_VALUE));
    if (left == Long.MAX_VALUE) return Integer.MAX_VALUE;
    if (left <= 0) return 0;
    long perCall = averageCost(b);
    if (perCall < 0) return Math.max(0, Math.max(1, b.failed()) - inFlight(b));
    if (perCall == 0) return Integer.MAX_VALUE;
    return (int) Math.min(Integer.MAX_VALUE, left / perCall);
  }

  /**
   * Which budget holds {@code b} back for good (until it is raised or a new day starts): none of its calls
   * is in flight and the next would pass a budget. Null when it may go on or must only wait for answers.
   */
  StopReason stoppedBy(BatchRecord read) {
    BatchRecord b = current(read);
    if (inFlight(b) > 0 || allowance(b) > 0) return null;
    return batchLeft(b) <= projectLeft.getOrDefault(b.project(), Long.MAX_VALUE)
        ? StopReason.BATCH_BUDGET : StopReason.PROJECT_BUDGET;
  }

  void claimed(BatchRecord read, int n) {
    BatchRecord b = current(read);
    if (n <= 0 || !budgeted(b)) return;
    inFlight.merge(b.id(), n, Integer::sum);
    long perCall = Math.max(0, averageCost(b));
    projectLeft.computeIfPresent(b.project(), (p, left) -> left - n * perCall);
  }

  /** The batch as read this round when it is budgeted (read afresh every round), else {@code read}. */
  BatchRecord current(BatchRecord read) {
    return fresh.getOrDefault(read.id(), read);
  }

  private boolean budgeted(BatchRecord b) {
    return b.spend().maxCost() != null || dailyBudget.apply(b.project()) != null;
  }

  private int inFlight(BatchRecord b) {
    return inFlight.getOrDefault(b.id(), 0);
  }

  private long batchLeft(BatchRecord b) {
    Long max = b.spend().maxCost();
    return max == null ? Long.MAX_VALUE : max - b.spend().cost() - inFlightCost(b);
  }

  private long inFlightCost(BatchRecord b) {
    return inFlight(b) * Math.max(0, averageCost(b));
  }

  /** What a successful call of the batch cost on average, in picodollars; -1 before the first. */
  private static long averageCost(BatchRecord b) {
    return b.completed() == 0 ? -1 : Math.ceilDiv(b.spend().cost(), b.completed());
  }
}
