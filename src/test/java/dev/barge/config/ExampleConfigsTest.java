package dev.barge.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The configurations the README points to load as documented. */
class ExampleConfigsTest {
  @Test
  void fullExampleLoadsWithItsSecretsFromTheEnvironment() {
    BargeConfig c = new ConfigLoader(Map.of("BARGE_API_KEY", "k", "TEAM_A_KEY", "t"))
        .load(Path.of("examples/barge.example.yaml"));
    assertThat(c.backends()).extracting(BackendConfig::type)
        .containsExactly(BackendType.OPENAI, BackendType.EMBEDDINGS_LOCAL);
    assertThat(c.auth().apiKeys()).extracting(ApiKey::project).containsExactly("default", "team-a");
  }

  @Test
  void simulatorExampleServesTheSimulatedChatModelAndEmbeddings() {
    BargeConfig c = new ConfigLoader(Map.of()).load(Path.of("examples/simulator.yaml"));
    assertThat(c.backends()).flatExtracting(BackendConfig::models)
        .containsExactly("barge-simulator", "all-MiniLM-L6-v2");
  }
}
