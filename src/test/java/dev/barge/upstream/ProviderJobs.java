package dev.barge.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.SimulatorBatchJobs;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.ProviderBatchApi.JobState;
import dev.barge.upstream.ProviderBatchApi.Phase;
import dev.barge.upstream.simulator.SimulatorServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** What the tests of the provider batch clients share: a simulator serving jobs, and a sink recording results. */
final class ProviderJobs {
  private ProviderJobs() {}

  static SimulatorServer simulator(SimulatorBatchJobs jobs) {
    return SimulatorServer.start("127.0.0.1", 0, new SimulatorConfig(null, null, null, null, null, null, null, 42L,
        null, null, null, null, jobs), Set.of());
  }

  static SimulatorBatchJobs endingAfter(String completeAfter) {
    return new SimulatorBatchJobs(completeAfter, null, null, null, null);
  }

  static BackendConfig backend(BackendType type, SimulatorServer server) {
    return new BackendConfig("provider", type, server.baseUrl(), "sk-test-key", List.of("sim-model"), null, "30s",
        null);
  }

  static ProviderBatchApi.Lookup lookup(String bargeJobId, long createdSince, Endpoint endpoint,
      Set<String> knownJobs, Predicate<String> holds) {
    return new ProviderBatchApi.Lookup(bargeJobId, createdSince, endpoint, knownJobs, holds);
  }

  static Clock clock() {
    return Clock.systemUTC();
  }

  /** Polls until the job has ended. */
  static JobState awaitEnd(ProviderBatchApi api, String id) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    while (true) {
      JobState state = api.status(id);
      if (state.phase() == Phase.ENDED) return state;
      assertThat(Instant.now()).as("job %s still %s", id, state.status()).isBefore(deadline);
      Thread.sleep(50);
    }
  }

  /** Records every result, checking that no request is reported twice. */
  static final class Recorder implements ProviderBatchApi.ResultSink {
    final Map<String, Outcome> answered = new LinkedHashMap<>();
    final Map<String, String> notRun = new LinkedHashMap<>();
    final List<String> order = new ArrayList<>();

    @Override
    public void answered(String customId, Outcome outcome) {
      assertThat(answered.containsKey(customId) || notRun.containsKey(customId)).as(customId + " twice").isFalse();
      answered.put(customId, outcome);
      order.add(customId);
    }

    @Override
    public void notRun(String customId, String reason) {
      assertThat(answered.containsKey(customId) || notRun.containsKey(customId)).as(customId + " twice").isFalse();
      notRun.put(customId, reason);
      order.add(customId);
    }

    long count(Class<? extends Outcome> kind) {
      return answered.values().stream().filter(kind::isInstance).count();
    }
  }
}
