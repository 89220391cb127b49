package dev.barge.dispatch;

import dev.barge.store.SpendStore;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Whether a project has daily budget left, from its spend read at most a second ago: asked before each
 * background call, which must not cost a query each.
 */
final class ProjectSpend {
  private static final long FRESH_FOR_MS = 1_000;

  private final SpendStore spend;
  private final Function<String, Long> dailyBudget;
  private final Clock clock;
  private final Map<String, Read> reads = new ConcurrentHashMap<>();

  private record Read(long spent, long at) {}

  /** @param dailyBudget a project's daily budget in picodollars, or null for none */
  ProjectSpend(SpendStore spend, Function<String, Long> dailyBudget, Clock clock) {
    this.spend = spend;
    this.dailyBudget = dailyBudget;
    this.clock = clock;
  }

  boolean budgetLeft(String project) {
    Long budget = dailyBudget.apply(project);
    if (budget == null) return true;
    long now = clock.millis();
    Read read = reads.get(project);
    if (read == null || now - read.at() >= FRESH_FOR_MS) {
      read = new Read(spend.spendOf(project, SpendStore.dayOf(now)), now);
      reads.put(project, read);
    }
    return read.spent() < budget;
  }
}
