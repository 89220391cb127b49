package dev.barge.upstream;

import dev.barge.config.BackendConfig;
import dev.barge.upstream.simulator.SimulatorBackend;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The configured backends, and which one serves a model (the first configured one that lists it). */
public final class Backends implements AutoCloseable {
  private final List<Backend> all;
  private final Map<String, Backend> byModel = new LinkedHashMap<>();

  public Backends(List<Backend> backends) {
    this.all = List.copyOf(backends);
    for (Backend b : all) {
      for (String model : b.models()) byModel.putIfAbsent(model, b);
    }
  }

  public static Backends fromConfig(List<BackendConfig> configs, Clock clock) {
    List<Backend> backends = new ArrayList<>();
    for (BackendConfig c : configs) {
      backends.add(switch (c.type()) {
        case OPENAI -> new OpenAiCompatibleBackend(c, clock);
        case EMBEDDINGS_LOCAL -> new LocalEmbeddingsBackend(c);
        case SIMULATOR -> new SimulatorBackend(c, clock);
      });
    }
    return new Backends(backends);
  }

  public Optional<Backend> forModel(String model) {
    return Optional.ofNullable(byModel.get(model));
  }

  public List<Backend> all() {
    return all;
  }

  @Override
  public void close() {
    all.forEach(Backend::close);
  }
}
