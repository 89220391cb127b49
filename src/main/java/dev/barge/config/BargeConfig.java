package dev.barge.config;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The whole configuration: one YAML file plus environment overrides, as typed records. */
public record BargeConfig(
    ServerConfig server,
    StorageConfig storage,
    AuthConfig auth,
    List<BackendConfig> backends,
    Map<String, ModelPrice> pricing,
    BatchConfig batch,
    Map<String, ProjectConfig> projects,
    List<WebhookConfig> webhooks) {

  public BargeConfig {
    if (server == null) server = ServerConfig.defaults();
    if (storage == null) storage = StorageConfig.defaults();
    if (auth == null) auth = AuthConfig.defaults();
    backends = backends == null ? List.of() : List.copyOf(backends);
    pricing = pricing == null ? Map.of() : Map.copyOf(pricing);
    if (batch == null) batch = BatchConfig.defaults();
    projects = projects == null ? Map.of() : Map.copyOf(projects);
    webhooks = webhooks == null ? List.of() : List.copyOf(webhooks);
    Set<String> names = new HashSet<>();
    for (BackendConfig b : backends) {
      if (!names.add(b.name())) throw new IllegalArgumentException("backends: name '" + b.name() + "' is used twice");
    }
    checkWebhookProjects(auth, webhooks);
  }

  /** A webhook's project that no key acts for is a typo whose events would silently go nowhere. */
  private static void checkWebhookProjects(AuthConfig auth, List<WebhookConfig> webhooks) {
    if (auth.open()) return; // every caller is project default; local runs send no webhooks
    Set<String> projects = new HashSet<>();
    auth.apiKeys().forEach(k -> projects.add(k.project()));
    for (int i = 0; i < webhooks.size(); i++) {
      List<String> wanted = webhooks.get(i).projects();
      if (wanted == null) continue;
      for (String p : wanted) {
        if (!projects.contains(p)) {
          throw new IllegalArgumentException("webhooks[" + i + "].projects: no key of auth.api_keys acts for project '"
              + p + "'; the projects are " + projects.stream().sorted().toList());
        }
      }
    }
  }

  /** The embedded default: SQLite and blobs under ./barge-data, the local embeddings model, no keys. */
  public static BargeConfig embeddedDefault() {
    return new BargeConfig(null, null, null, List.of(BackendConfig.localEmbeddings()), null, null, null, null);
  }

  public BargeConfig withServer(String host, Integer port) {
    ServerConfig s = new ServerConfig(host != null ? host : server.host(), port != null ? port : server.port(),
        server.interactiveWait(), server.flexWait(), server.flexDiscount(), server.publicBaseUrl(),
        server.maxRequestBytes(), server.maxSyncShare());
    return new BargeConfig(s, storage, auth, backends, pricing, batch, projects, webhooks);
  }

  public BargeConfig withDataDirectory(Path dir) {
    return new BargeConfig(server, storage.under(dir), auth, backends, pricing, batch, projects, webhooks);
  }

  public BargeConfig withStorage(StorageConfig newStorage) {
    return new BargeConfig(server, newStorage, auth, backends, pricing, batch, projects, webhooks);
  }

  public BargeConfig withBackends(List<BackendConfig> newBackends) {
    return new BargeConfig(server, storage, auth, newBackends, pricing, batch, projects, webhooks);
  }

  public BargeConfig withBatch(BatchConfig newBatch) {
    return new BargeConfig(server, storage, auth, backends, pricing, newBatch, projects, webhooks);
  }

  public BargeConfig withPricing(Map<String, ModelPrice> newPricing) {
    return new BargeConfig(server, storage, auth, backends, newPricing, batch, projects, webhooks);
  }

  public BargeConfig withProjects(Map<String, ProjectConfig> newProjects) {
    return new BargeConfig(server, storage, auth, backends, pricing, batch, newProjects, webhooks);
  }

  public BargeConfig withWebhooks(List<WebhookConfig> newWebhooks) {
    return new BargeConfig(server, storage, auth, backends, pricing, batch, projects, newWebhooks);
  }

  /** The limits of {@code project}; none when the config names none. */
  public ProjectConfig project(String project) {
    return projects.getOrDefault(project, ProjectConfig.NONE);
  }

  public BargeConfig withAuth(AuthConfig newAuth) {
    return new BargeConfig(server, storage, newAuth, backends, pricing, batch, projects, webhooks);
  }
}
