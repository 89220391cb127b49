package dev.barge.dispatch;

import dev.barge.batch.model.BatchRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Splits the calls a backend may start between the batches that use it: projects get equal shares,
 * and within a project batches get shares in proportion to their {@code priority}. Shares are kept as
 * credit from round to round (deficit round robin), so even when only one call is free at a time every
 * batch gets its turn, and a 100-line batch behind a million-line one runs at once. Among batches with
 * equal credit, the one nearer its deadline goes first.
 */
final class FairShare {
  private final Map<String, Double> credit = new HashMap<>();
  private int lastCapacity = 1;

  /** A batch and how many calls it may claim now. */
  record Allotment(BatchRecord batch, int calls) {}

  /** How many calls each batch may claim now, in the order they should claim them. */
  List<Allotment> split(int capacity, List<BatchRecord> batches) {
    lastCapacity = Math.max(1, capacity);
    // Keyed by id, never by the record: hashing a record hashes every field, lists and maps included,
    // and this runs hundreds of times a second.
    credit.keySet().retainAll(batches.stream().map(BatchRecord::id).collect(Collectors.toSet()));
    Map<String, Double> shares = shares(batches);
    for (BatchRecord b : batches) {
      // Capped: a batch that had nothing to claim for a while does not hoard a burst.
      double c = credit.getOrDefault(b.id(), 0.0) + capacity * shares.get(b.id());
      credit.put(b.id(), Math.min(c, Math.max(1, capacity)));
    }
    List<BatchRecord> order = new ArrayList<>(batches);
    order.sort(Comparator.<BatchRecord>comparingDouble(b -> -credit.get(b.id()))
        .thenComparingLong(BatchRecord::expiresAt));
    int[] calls = new int[order.size()];
    int left = capacity;
    for (int i = 0; i < order.size(); i++) {
      calls[i] = Math.max(0, Math.min(left, (int) Math.floor(credit.get(order.get(i).id()))));
      left -= calls[i];
    }
    for (int i = 0; i < order.size() && left > 0; i++, left--) calls[i]++; // rounding's leftovers, most owed first
    List<Allotment> allotted = new ArrayList<>(order.size());
    for (int i = 0; i < order.size(); i++) allotted.add(new Allotment(order.get(i), calls[i]));
    return allotted;
  }

  /**
   * {@code batch} started {@code n} calls. Taking leftovers beyond its share puts it in debt, paid back in
   * later rounds; the debt is bounded so a batch that took leftovers for long is not shut out for long.
   */
  void used(BatchRecord batch, int n) {
    credit.computeIfPresent(batch.id(), (id, c) -> Math.max(c - n, -lastCapacity));
  }

  private static Map<String, Double> shares(List<BatchRecord> batches) {
    Map<String, List<BatchRecord>> byProject = batches.stream()
        .collect(Collectors.groupingBy(BatchRecord::project, LinkedHashMap::new, Collectors.toList()));
    Map<String, Double> shares = new HashMap<>();
    for (List<BatchRecord> project : byProject.values()) {
      double weights = project.stream().mapToInt(BatchRecord::priority).sum();
      for (BatchRecord b : project) shares.put(b.id(), b.priority() / weights / byProject.size());
    }
    return shares;
  }
}
