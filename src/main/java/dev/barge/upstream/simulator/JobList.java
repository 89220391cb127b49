package dev.barge.upstream.simulator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The jobs of one API, by id and newest first, in pages as the providers list them. Thread-safe. */
final class JobList<T> {
  /** One page, newest first; {@code hasMore} when more lie beyond it in the direction asked. */
  record Page<T>(List<T> items, boolean hasMore) {}

  private final List<String> order = new ArrayList<>();
  private final Map<String, T> byId = new HashMap<>();

  synchronized void add(String id, T job) {
    order.add(id);
    byId.put(id, job);
  }

  synchronized T get(String id) {
    return byId.get(id);
  }

  /** The {@code limit} jobs just older than {@code afterId} (null: from the newest); unknown id: empty. */
  synchronized Page<T> olderThan(String afterId, int limit) {
    int from = afterId == null ? order.size() : order.indexOf(afterId);
    if (from < 0) return new Page<>(List.of(), false);
    List<T> items = new ArrayList<>();
    for (int i = from - 1; i >= 0 && items.size() < limit; i--) items.add(byId.get(order.get(i)));
    return new Page<>(items, from - items.size() > 0);
  }

  /** The {@code limit} jobs just newer than {@code beforeId}, newest first; unknown id: empty. */
  synchronized Page<T> newerThan(String beforeId, int limit) {
    int at = order.indexOf(beforeId);
    if (at < 0) return new Page<>(List.of(), false);
    int to = Math.min(order.size(), at + 1 + limit);
    List<T> items = new ArrayList<>();
    for (int i = to - 1; i > at; i--) items.add(byId.get(order.get(i)));
    return new Page<>(items, to < order.size());
  }
}
