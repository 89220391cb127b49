package dev.barge.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/** One entry of {@code backends:}: where requests for some models are sent. */
public record BackendConfig(
    String name,
    BackendType type,
    String baseUrl,
    String apiKey,
    List<String> models,
    LimitsConfig limits,
    String timeout,
    SimulatorConfig simulator,
    List<String> batchWindows,
    Integer weight,
    ProviderBatchConfig providerBatch,
    Billing billing) {

  /** The model name the local embeddings backend answers to. */
  public static final String LOCAL_EMBEDDINGS_MODEL = "all-MiniLM-L6-v2";

  public BackendConfig {
    if (name == null || name.isBlank()) throw new IllegalArgumentException("name: required");
    if (type == null) {
      throw new IllegalArgumentException("type: required (openai, anthropic, gemini, embeddings-local or simulator)");
    }
    if (type == BackendType.OPENAI || type == BackendType.ANTHROPIC || type == BackendType.GEMINI) {
      if (baseUrl == null || baseUrl.isBlank()) {
        throw new IllegalArgumentException("base_url: required for type " + type.yamlName());
      }
      requireHttpUrl(baseUrl);
    }
    if (type == BackendType.EMBEDDINGS_LOCAL && (models == null || models.isEmpty())) {
      models = List.of(LOCAL_EMBEDDINGS_MODEL);
    }
    if (models == null || models.isEmpty()) throw new IllegalArgumentException("models: list at least one model");
    models = List.copyOf(models);
    if (limits == null) limits = new LimitsConfig(null, null, null);
    if (timeout == null) timeout = "10m";
    Durations.parse(timeout);
    if (type == BackendType.SIMULATOR && simulator == null) simulator = SimulatorConfig.defaults();
    batchWindows = batchWindows == null ? List.of() : List.copyOf(batchWindows);
    if (weight == null) weight = 1;
    if (weight <= 0) throw new IllegalArgumentException("weight: must be positive, was " + weight);
    if (providerBatch != null) {
      if (type != BackendType.OPENAI && type != BackendType.ANTHROPIC) {
        throw new IllegalArgumentException("provider_batch: only openai and anthropic backends have a provider batch"
            + " API; " + type.yamlName() + " has none");
      }
      providerBatch = providerBatch.withLimitsOf(type);
    }
    if (billing == null) billing = Billing.defaultFor(type, providerBatch != null);
    for (String w : batchWindows) {
      try {
        TimeWindow.parse(w);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("batch_windows: " + e.getMessage());
      }
    }
  }

  public BackendConfig(String name, BackendType type, String baseUrl, String apiKey, List<String> models,
      LimitsConfig limits, String timeout, SimulatorConfig simulator) {
    this(name, type, baseUrl, apiKey, models, limits, timeout, simulator, null, null, null, null);
  }

  /** Whether this backend runs its batch work as the provider's own batch jobs. */
  public boolean runsProviderJobs() {
    return providerBatch != null;
  }

  /** When the backend takes batch work; empty means always. Synchronous requests are served any time. */
  public List<TimeWindow> batchWindowList() {
    return batchWindows.stream().map(TimeWindow::parse).toList();
  }

  private static void requireHttpUrl(String url) {
    try {
      URI uri = new URI(url);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new IllegalArgumentException("base_url: '" + url + "' must be an http:// or https:// URL");
      }
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("base_url: '" + url + "' is not a URL");
    }
  }

  public Duration requestTimeout() {
    return Durations.parse(timeout);
  }

  /** The embedded default: the local embeddings model, nothing else. */
  public static BackendConfig localEmbeddings() {
    return new BackendConfig("local-embeddings", BackendType.EMBEDDINGS_LOCAL, null, null, null, null, null, null);
  }

  @Override
  public String toString() {
    return "BackendConfig[name=" + name + ", type=" + type.yamlName() + ", models=" + models + "]";
  }
}
