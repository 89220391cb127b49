package dev.barge.upstream;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The configured backends, and which of them serve a model: every one that lists it, in config order. */
public final class Backends implements AutoCloseable {
  private final List<Backend> all;
  private final Map<String, List<Backend>> byModel = new LinkedHashMap<>();

  public Backends(List<Backend> backends) {
    this.all = List.copyOf(backends);
    for (Backend b : all) {
      for (String model : b.models()) byModel.computeIfAbsent(model, m -> new ArrayList<>()).add(b);
    }
  }

  /** The backends that serve {@code model}, in config order; empty when none does. */
  public List<Backend> serving(String model) {
    return byModel.getOrDefault(model, List.of());
  }

  public List<Backend> all() {
    return all;
  }

  @Override
  public void close() {
    all.forEach(Backend::close);
  }
}
