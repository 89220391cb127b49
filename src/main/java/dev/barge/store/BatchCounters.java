package dev.barge.store;

import dev.barge.cost.Tier;
import dev.barge.cost.Usage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Changes to batches' counters, usage and cost, written on the caller's connection in the transaction that
 * settled their requests, so a batch's counters never disagree with its rows; results also count in their
 * project's spend of the day they were written.
 */
final class BatchCounters {
  // Batches in id order, their projects' spend after them in key order: every writer takes its row
  // locks in the same order, so two recorders (on two nodes) cannot deadlock on PostgreSQL.
  private final Map<String, Delta> byBatch = new TreeMap<>();

  /** Counts a result that was applied. */
  void add(RequestUpdate.Finished f) {
    byBatch.computeIfAbsent(f.batchId(), k -> new Delta()).add(f);
  }

  /** Counts {@code n} requests of a batch that ended failed without an answer (cancel, expiry, budget). */
  void failed(String batchId, int n) {
    byBatch.computeIfAbsent(batchId, k -> new Delta()).failed += n;
  }

  /** Writes what was counted in {@code c}'s open transaction. */
  void write(Connection c) throws SQLException {
    Map<SpendKey, Delta> spend = new TreeMap<>();
    for (var e : byBatch.entrySet()) {
      Delta d = e.getValue();
      d.apply(c, e.getKey());
      // Spend is money: results of a model without a price add none, and cost the writer nothing.
      if (d.cost == 0 && d.listCost == 0) continue;
      spend.computeIfAbsent(new SpendKey(SpendStore.projectOf(c, e.getKey()), SpendStore.dayOf(d.finishedAt)),
          k -> new Delta()).add(d);
    }
    for (var e : spend.entrySet()) {
      for (var t : e.getValue().byTier.entrySet()) {
        TierDelta d = t.getValue();
        SpendStore.add(c, e.getKey().project(), e.getKey().day(), t.getKey(), d.requests, d.cost, d.listCost);
      }
    }
  }

  /** What results bought at one tier added up to. */
  private static final class TierDelta {
    long requests;
    long cost;
    long listCost;

    void add(long n, long addedCost, long addedListCost) {
      requests += n;
      cost += addedCost;
      listCost += addedListCost;
    }
  }

  /** A project's day, ordered so spend rows are locked in one order. */
  private record SpendKey(String project, long day) implements Comparable<SpendKey> {
    @Override
    public int compareTo(SpendKey o) {
      int byProject = project.compareTo(o.project);
      return byProject != 0 ? byProject : Long.compare(day, o.day);
    }
  }

  /** Changes to one batch's counters, usage and cost (or, summed, to one project's spend of a day). */
  private static final class Delta {
    int completed;
    int failed;
    Usage usage = Usage.ZERO;
    long cost;
    long listCost;
    long finishedAt;
    // Tiers in one order (the enum's), so spend rows are locked in one order too.
    final Map<Tier, TierDelta> byTier = new TreeMap<>();

    void add(RequestUpdate.Finished f) {
      // A result with no price attached (a line that could not be read) counts at the batch tier, as before.
      byTier.computeIfAbsent(f.tier() != null ? f.tier() : Tier.BATCH, k -> new TierDelta())
          .add(1, f.cost(), f.listCost());
      if (f.succeeded()) {
        completed++;
        usage = usage.plus(f.usage());
      } else {
        failed++;
      }
      cost += f.cost();
      listCost += f.listCost();
      finishedAt = Math.max(finishedAt, f.finishedAt());
    }

    void apply(Connection c, String batchId) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET completed = completed + ?,"
          + " failed = failed + ?, input_tokens = input_tokens + ?, cached_tokens = cached_tokens + ?,"
          + " output_tokens = output_tokens + ?, reasoning_tokens = reasoning_tokens + ?,"
          + " total_tokens = total_tokens + ?, cost = cost + ?, list_cost = list_cost + ? WHERE id = ?")) {
        ps.setInt(1, completed);
        ps.setInt(2, failed);
        ps.setLong(3, usage.inputTokens());
        ps.setLong(4, usage.cachedTokens());
        ps.setLong(5, usage.outputTokens());
        ps.setLong(6, usage.reasoningTokens());
        ps.setLong(7, usage.totalTokens());
        ps.setLong(8, cost);
        ps.setLong(9, listCost);
        ps.setString(10, batchId);
        ps.executeUpdate();
      }
      for (var t : byTier.entrySet()) {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO batch_tiers (batch_id, tier, requests, cost)"
            + " VALUES (?,?,?,?) ON CONFLICT (batch_id, tier) DO UPDATE SET requests = batch_tiers.requests"
            + " + excluded.requests, cost = batch_tiers.cost + excluded.cost")) {
          ps.setString(1, batchId);
          ps.setString(2, t.getKey().wireName());
          ps.setLong(3, t.getValue().requests);
          ps.setLong(4, t.getValue().cost);
          ps.executeUpdate();
        }
      }
    }

    /** Adds another batch's changes (for its project's spend). */
    void add(Delta other) {
      completed += other.completed;
      failed += other.failed;
      cost += other.cost;
      listCost += other.listCost;
      finishedAt = Math.max(finishedAt, other.finishedAt);
      other.byTier.forEach((tier, d) -> byTier.computeIfAbsent(tier, k -> new TierDelta())
          .add(d.requests, d.cost, d.listCost));
    }
  }
}
