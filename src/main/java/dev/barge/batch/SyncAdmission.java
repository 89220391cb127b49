package dev.barge.batch;

import dev.barge.config.BargeConfig;
import dev.barge.cost.Money;
import dev.barge.store.SpendStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether a project may start another synchronous request: at most {@code max_concurrent_requests} of its
 * own at once on this node, and none once its daily budget is spent. Batches wait for a budget to come
 * back; a synchronous caller is told at once.
 */
public final class SyncAdmission {
  private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  private final BargeConfig config;
  private final SpendStore spend;
  private final Clock clock;
  private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

  public SyncAdmission(BargeConfig config, SpendStore spend, Clock clock) {
    this.config = config;
    this.spend = spend;
    this.clock = clock;
  }

  /** One admitted request; closing it frees its place. */
  public interface Admitted extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Admits one synchronous request of {@code project}, or refuses it with {@link TooManyRequestsException}
   * (too many of its requests at once) or {@link BudgetExceededException} (its daily budget is spent).
   */
  public Admitted admit(String project) {
    requireBudgetLeft(project);
    var limits = config.project(project);
    AtomicInteger running = inFlight.computeIfAbsent(project, p -> new AtomicInteger());
    if (running.incrementAndGet() > limits.maxConcurrentRequests()) {
      running.decrementAndGet();
      throw new TooManyRequestsException("Too many concurrent requests: project '" + project + "' may have "
          + limits.maxConcurrentRequests() + " synchronous requests in flight at once (projects." + project
          + ".max_concurrent_requests).", RETRY_AFTER);
    }
    return running::decrementAndGet;
  }

  /** Refuses with {@link BudgetExceededException} when {@code project}'s daily budget is spent. */
  public void requireBudgetLeft(String project) {
    var limits = config.project(project);
    if (limits.dailyBudgetUsd() == null) return;
    long budget = Money.picos(limits.dailyBudgetUsd());
    long spent = spend.spendOf(project, SpendStore.dayOf(clock.millis()));
    if (spent >= budget) {
      throw new BudgetExceededException("Project '" + project + "' has spent its daily budget of "
          + limits.dailyBudgetUsd().toPlainString() + " USD today (UTC); requests are refused until the next day"
          + " or until projects." + project + ".daily_budget_usd is raised.");
    }
  }
}
