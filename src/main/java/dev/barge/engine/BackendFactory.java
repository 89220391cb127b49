package dev.barge.engine;

import dev.barge.config.BackendConfig;
import dev.barge.upstream.AnthropicBackend;
import dev.barge.upstream.AnthropicBatchApi;
import dev.barge.upstream.OpenAiBatchApi;
import dev.barge.upstream.ProviderBatchApi;
import dev.barge.upstream.Backend;
import dev.barge.upstream.Backends;
import dev.barge.upstream.GeminiBackend;
import dev.barge.upstream.LocalEmbeddingsBackend;
import dev.barge.upstream.OpenAiCompatibleBackend;
import dev.barge.upstream.simulator.SimulatorBackend;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the configured backends. It lives here, above {@code upstream} and its simulator, so that the
 * backend clients need not know the simulator that stands in for them.
 */
final class BackendFactory {
  private BackendFactory() {}

  static Backends fromConfig(List<BackendConfig> configs, Clock clock) {
    return new Backends(configs.stream().<Backend>map(c -> switch (c.type()) {
      case OPENAI -> new OpenAiCompatibleBackend(c, clock);
      case ANTHROPIC -> new AnthropicBackend(c, clock);
      case GEMINI -> new GeminiBackend(c, clock);
      case EMBEDDINGS_LOCAL -> new LocalEmbeddingsBackend(c);
      case SIMULATOR -> new SimulatorBackend(c, clock);
    }).toList());
  }

  /** The provider batch API of each backend with {@code provider_batch}. */
  static Map<Backend, ProviderBatchApi> providerBatchApis(Backends backends, Clock clock) {
    Map<Backend, ProviderBatchApi> apis = new LinkedHashMap<>();
    for (Backend b : backends.all()) {
      BackendConfig c = b.config();
      if (!c.runsProviderJobs()) continue;
      apis.put(b, switch (c.type()) {
        case ANTHROPIC -> new AnthropicBatchApi(c, clock);
        default -> new OpenAiBatchApi(c, clock);
      });
    }
    return apis;
  }
}
