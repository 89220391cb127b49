package dev.barge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  private Path yaml(String text) throws IOException {
    return Files.writeString(dir.resolve("barge.yaml"), text);
  }

  @Test
  void noFileGivesTheEmbeddedDefault() {
    BargeConfig c = new ConfigLoader(Map.of()).load(null);
    assertThat(c.server().host()).isEqualTo("127.0.0.1");
    assertThat(c.server().port()).isEqualTo(8080);
    assertThat(c.storage().database()).isEqualTo("sqlite:./barge-data/barge.db");
    assertThat(c.backends()).singleElement().satisfies(b -> {
      assertThat(b.type()).isEqualTo(BackendType.EMBEDDINGS_LOCAL);
      assertThat(b.models()).containsExactly("all-MiniLM-L6-v2");
    });
    assertThat(c.auth().open()).isTrue();
  }

  @Test
  void fullFileIsReadWithEnvironmentInterpolation() throws IOException {
    Path file = yaml("""
        server: { host: 0.0.0.0, port: 9000 }
        storage: { database: "sqlite:/tmp/x.db", blobs: /tmp/blobs }
        auth:
          api_keys:
            - "${BARGE_API_KEY}"
            - { key: "${TEAM_KEY}", project: team }
        backends:
          - name: local-vllm
            type: openai
            base_url: http://127.0.0.1:8000/v1
            api_key: ${VLLM_API_KEY:-none}
            models: ["meta-llama/Llama-3.1-8B-Instruct"]
            limits: { requests_per_minute: 600, tokens_per_minute: 400000, max_concurrency: 64 }
        pricing:
          "meta-llama/Llama-3.1-8B-Instruct": { input_per_million: 0.10, output_per_million: 0.20 }
        batch: { discount: 0.5, max_requests: 1000000, max_file_bytes: 2147483648 }
        """);
    BargeConfig c = new ConfigLoader(Map.of("BARGE_API_KEY", "k1", "TEAM_KEY", "k2")).load(file);
    assertThat(c.server().port()).isEqualTo(9000);
    assertThat(c.auth().apiKeys()).containsExactly(new ApiKey("k1", "default"), new ApiKey("k2", "team"));
    BackendConfig b = c.backends().get(0);
    assertThat(b.apiKey()).isEqualTo("none");
    assertThat(b.limits().maxConcurrency()).isEqualTo(64);
    assertThat(c.pricing().get("meta-llama/Llama-3.1-8B-Instruct").outputPerMillion()).isEqualByComparingTo("0.20");
    assertThat(c.batch().maxFileBytes()).isEqualTo(2147483648L);
  }

  @Test
  void theResponseCacheIsOffUnlessConfigured() throws IOException {
    assertThat(new ConfigLoader(Map.of()).load(null).batch().cache().enabled()).isFalse();
    BargeConfig c = new ConfigLoader(Map.of()).load(yaml("batch: { cache: { enabled: true, ttl: 36h } }\n"));
    assertThat(c.batch().cache().enabled()).isTrue();
    assertThat(c.batch().cache().ttlDuration()).isEqualTo(java.time.Duration.ofHours(36));
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(yaml("batch: { cache: { ttl: soon } }\n")))
        .hasMessageContaining("cache.ttl");
  }

  @Test
  void bargeVariablesOverrideKeys() throws IOException {
    Path file = yaml("server: { port: 9000 }\n");
    BargeConfig c = new ConfigLoader(Map.of("BARGE_SERVER_PORT", "9100", "BARGE_BATCH_MAX_REQUESTS", "10",
        "BARGE_AUTH_API_KEYS", "a, b")).load(file);
    assertThat(c.server().port()).isEqualTo(9100);
    assertThat(c.batch().maxRequests()).isEqualTo(10);
    assertThat(c.auth().apiKeys()).extracting(ApiKey::key).containsExactly("a", "b");
  }

  @Test
  void maxRequestBytesDefaultsToEightMebibytesAndMustBePositive() throws IOException {
    assertThat(new ConfigLoader(Map.of()).load(null).server().maxRequestBytes()).isEqualTo(8 * 1024 * 1024);
    assertThat(new ConfigLoader(Map.of("BARGE_SERVER_MAX_REQUEST_BYTES", "33554432")).load(yaml("server: {}\n"))
        .server().maxRequestBytes()).isEqualTo(32 * 1024 * 1024);
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(yaml("server: { max_request_bytes: 0 }\n")))
        .hasMessageContaining("server.max_request_bytes");
  }

  @Test
  void unsetVariableIsNamedWithItsKey() throws IOException {
    Path file = yaml("auth: { api_keys: [\"${MISSING_KEY}\"] }\n");
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.api_keys[0]")
        .hasMessageContaining("MISSING_KEY");
  }

  @Test
  void badValuesAreRefusedNamingTheKey() throws IOException {
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(yaml("server: { port: 99999 }\n")))
        .hasMessageContaining("server.port");
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(yaml("server: { prot: 1 }\n")))
        .hasMessageContaining("server.prot: unknown key");
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(yaml("""
        backends:
          - { name: a, type: openai, models: [m] }
        """))).hasMessageContaining("backends[0].base_url");
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(yaml("""
        backends:
          - { name: a, type: gpu-magic, models: [m] }
        """))).hasMessageContaining("backends[0].type").hasMessageContaining("gpu-magic");
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(yaml("batch: { max_backoff: forever }\n")))
        .hasMessageContaining("batch.max_backoff");
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(yaml("""
        backends:
          - { name: a, type: simulator, models: [m], simulator: { error_rate: 2 } }
        """))).hasMessageContaining("backends[0].simulator.error_rate");
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(yaml("storage: { blobs: \"s3://No_Such/x\" }\n")))
        .hasMessageContaining("storage.blobs").hasMessageContaining("s3://BUCKET/PREFIX");
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(yaml(
        "storage: { blobs: \"s3://b1/x\", s3: { access_key: a } }\n")))
        .hasMessageContaining("storage.s3").hasMessageContaining("secret_key");
  }

  @Test
  void perProjectLimitsOfHeavyWorkHaveDefaultsAndMustBePositive() throws IOException {
    BatchConfig defaults = new ConfigLoader(Map.of()).load(null).batch();
    assertThat(defaults.maxValidationsPerProject()).isEqualTo(2);
    assertThat(defaults.maxDryRunsPerProject()).isEqualTo(2);
    assertThat(defaults.maxEventStreamsPerProject()).isEqualTo(10);

    BatchConfig set = new ConfigLoader(Map.of("BARGE_BATCH_MAX_EVENT_STREAMS_PER_PROJECT", "3")).load(yaml(
        "batch: { max_validations_per_project: 1, max_dry_runs_per_project: 4 }\n")).batch();
    assertThat(set.maxValidationsPerProject()).isEqualTo(1);
    assertThat(set.maxDryRunsPerProject()).isEqualTo(4);
    assertThat(set.maxEventStreamsPerProject()).isEqualTo(3);
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(yaml("batch: { max_dry_runs_per_project: 0 }\n")))
        .hasMessageContaining("batch.max_dry_runs_per_project: must be positive");
  }

  @Test
  void missingFileAndBrokenYamlAreNamed() throws IOException {
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(dir.resolve("nope.yaml")))
        .hasMessageContaining("nope.yaml").hasMessageContaining("does not exist");
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(yaml("server: [unclosed\n")))
        .hasMessageContaining("not valid YAML");
  }

  @Test
  void adminKeysAndWebhooksLimitedToProjectsAreRead() throws IOException {
    BargeConfig c = new ConfigLoader(Map.of()).load(yaml("""
        auth:
          api_keys:
            - plain
            - { key: ops-key, project: ops, admin: true }
            - { key: team-key, project: team }
        webhooks:
          - { url: "https://hooks.example.com/all", secret: s1 }
          - { url: "https://hooks.example.com/team", secret: s2, projects: [team] }
        """));
    assertThat(c.auth().apiKeys()).containsExactly(new ApiKey("plain", "default"), new ApiKey("ops-key", "ops", true),
        new ApiKey("team-key", "team"));
    assertThat(c.webhooks().get(0).projects()).isNull();
    assertThat(c.webhooks().get(0).covers("ops")).isTrue();
    assertThat(c.webhooks().get(1).projects()).containsExactly("team");
    assertThat(c.webhooks().get(1).covers("ops")).isFalse();
  }

  @Test
  void aWebhookProjectNoKeyActsForIsRefused() throws IOException {
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(yaml("""
        auth: { api_keys: [{ key: k, project: team }] }
        webhooks:
          - { url: "https://hooks.example.com/a", secret: s, projects: [taem] }
        """))).hasMessageContaining("webhooks[0].projects").hasMessageContaining("'taem'").hasMessageContaining("[team]");
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(yaml("""
        webhooks:
          - { url: "https://hooks.example.com/a", secret: s, projects: [] }
        """))).hasMessageContaining("webhooks[0].projects");
  }
}
