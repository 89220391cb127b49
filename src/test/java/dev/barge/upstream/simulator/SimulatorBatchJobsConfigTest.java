package dev.barge.upstream.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.barge.config.ConfigLoader;
import dev.barge.config.SimulatorBatchJobs;
import dev.barge.config.SimulatorConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatorBatchJobsConfigTest {
  @Test
  void readsBatchJobsFromYamlWithDefaults() {
    SimulatorConfig config = new ConfigLoader(Map.of()).parse("""
        backends:
          - name: sim
            type: simulator
            models: [m]
            simulator: { seed: 7, batch_jobs: { complete_after: 30s, expire_fraction: 0.1, shuffle: true } }
        """, "test").backends().getFirst().simulator();

    SimulatorBatchJobs jobs = config.batchJobs();
    assertThat(jobs.completeAfterDuration()).isEqualTo(Duration.ofSeconds(30));
    assertThat(jobs.expireFraction()).isEqualTo(0.1);
    assertThat(jobs.errorFraction()).isZero();
    assertThat(jobs.failJobs()).isFalse();
    assertThat(jobs.shuffle()).isTrue();
    assertThat(SimulatorConfig.defaults().batchJobs()).isEqualTo(SimulatorBatchJobs.DEFAULTS);
    assertThat(SimulatorBatchJobs.DEFAULTS.completeAfterDuration()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void refusesSharesThatDoNotAddUp() {
    assertThatThrownBy(() -> new SimulatorBatchJobs(null, 0.7, 0.5, null, null))
        .hasMessageContaining("batch_jobs.expire_fraction + batch_jobs.error_fraction");
    assertThatThrownBy(() -> new SimulatorBatchJobs("soon", null, null, null, null))
        .hasMessageContaining("batch_jobs.complete_after");
  }
}
