package dev.barge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The configurations the README points to load as documented. */
class ExampleConfigsTest {
  @Test
  void fullExampleLoadsWithItsSecretsFromTheEnvironment() {
    BargeConfig c = new ConfigLoader(Map.of("BARGE_API_KEY", "k", "TEAM_A_KEY", "t", "OPS_KEY", "o"))
        .load(Path.of("examples/barge.example.yaml"));
    assertThat(c.backends()).extracting(BackendConfig::type)
        .containsExactly(BackendType.OPENAI, BackendType.EMBEDDINGS_LOCAL);
    assertThat(c.auth().apiKeys()).extracting(ApiKey::project).containsExactly("default", "team-a", "ops");
    assertThat(c.auth().apiKeys()).extracting(ApiKey::admin).containsExactly(false, false, true);
    assertThat(c.webhooks()).extracting(WebhookConfig::projects).containsExactly(null, List.of("team-a"));
    assertThat(c.project("team-a").dailyBudgetUsd()).isEqualByComparingTo("25.00");
    assertThat(c.project("team-a").enqueuedTokenLimit("meta-llama/Llama-3.1-8B-Instruct")).isEqualTo(50_000_000L);
    assertThat(c.project("team-a").enqueuedTokenLimit("another-model")).isEqualTo(10_000_000L);
    assertThat(c.project("default").dailyBudgetUsd()).isNull();
    assertThat(c.batch().canary().size()).isEqualTo(20);
  }

  @Test
  void clusterExampleKeepsFileBytesInObjectStorage() {
    BargeConfig c = new ConfigLoader(Map.of("BARGE_KEY", "k", "PGPASSWORD", "p", "S3_KEY", "a", "S3_SECRET", "s"))
        .load(Path.of("examples/cluster.yaml"));
    assertThat(c.storage().postgres()).isTrue();
    assertThat(c.storage().objectStorage()).isTrue();
    assertThat(c.storage().s3Bucket()).isEqualTo("barge-files");
    assertThat(c.storage().s3Prefix()).isEqualTo("prod/");
    assertThat(c.storage().s3().endpoint()).isEqualTo("http://minio.internal:9000");
    assertThat(c.storage().s3().pathStyle()).isTrue();
    assertThat(c.storage().s3().secretKey()).isEqualTo("s");
  }

  @Test
  void aDiscountOrFailureRateOutsideZeroToOneIsRefusedWithItsKeyNamed() {
    ConfigLoader loader = new ConfigLoader(Map.of());
    assertThatThrownBy(() -> loader.parse("server: {flex_discount: 1.5}", "t"))
        .hasMessageContaining("flex_discount");
    assertThatThrownBy(() -> loader.parse(
        "batch: {canary: {max_failure_rate: -0.1}}", "t")).hasMessageContaining("canary.max_failure_rate");
    assertThatThrownBy(() -> loader.parse(
        "projects: {a: {max_enqueued_tokens: {m: 0}}}", "t")).hasMessageContaining("max_enqueued_tokens.m");
  }

  @Test
  void simulatorExampleServesTheSimulatedChatModelAndEmbeddings() {
    BargeConfig c = new ConfigLoader(Map.of()).load(Path.of("examples/simulator.yaml"));
    assertThat(c.backends()).flatExtracting(BackendConfig::models)
        .containsExactly("barge-simulator", "all-MiniLM-L6-v2");
  }
}
