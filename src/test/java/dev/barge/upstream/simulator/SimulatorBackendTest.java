package dev.barge.upstream.simulator;

import static dev.barge.upstream.simulator.SimulatorTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.LimitsConfig;
import dev.barge.config.SimulatorConfig;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.Outcome;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatorBackendTest {
  private static final byte[] CHAT =
      bytes("{\"model\":\"sim\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

  private final MutableClock clock = new MutableClock();

  @Test
  void successfulAnswerIsASuccessWithTheRequestId() {
    Outcome outcome = backend(SimulatorConfig.defaults(), null).send(Endpoint.CHAT_COMPLETIONS, CHAT);

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Success.class, s -> {
      assertThat(s.status()).isEqualTo(200);
      assertThat(s.body()).contains("chat.completion");
      assertThat(s.requestId()).startsWith("req_");
    });
  }

  @Test
  void injectedServerErrorIsRetryable() {
    Outcome outcome = backend(new SimulatorConfig(null, null, 1.0, null, null, null, null, null), null)
        .send(Endpoint.CHAT_COMPLETIONS, CHAT);

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Retryable.class, r -> assertThat(r.status()).isEqualTo(500));
  }

  @Test
  void injectedRateLimitCarriesItsRetryAfter() {
    Outcome outcome = backend(new SimulatorConfig(null, null, null, 1.0, 2500, null, null, null), null)
        .send(Endpoint.CHAT_COMPLETIONS, CHAT);

    assertThat(outcome).isInstanceOfSatisfying(Outcome.RateLimited.class,
        r -> assertThat(r.retryAfter()).isEqualTo(Duration.ofMillis(2500)));
  }

  @Test
  void unknownModelIsRejected() {
    byte[] otherModel = bytes("{\"model\":\"other\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    Outcome outcome = backend(SimulatorConfig.defaults(), null).send(Endpoint.CHAT_COMPLETIONS, otherModel);

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class, r -> assertThat(r.status()).isEqualTo(404));
  }

  @Test
  void concurrencyComesFromLimitsWithADefaultOf64() {
    assertThat(backend(SimulatorConfig.defaults(), null).maxConcurrency()).isEqualTo(64);
    assertThat(backend(SimulatorConfig.defaults(), 8).maxConcurrency()).isEqualTo(8);
    assertThat(backend(SimulatorConfig.defaults(), 8).models()).containsExactly("sim");
    assertThat(backend(SimulatorConfig.defaults(), 8).name()).isEqualTo("simulated");
  }

  @Test
  void refusesABackendOfAnotherType() {
    BackendConfig openai = new BackendConfig("real", BackendType.OPENAI, "http://127.0.0.1:1/v1", null,
        List.of("gpt"), null, null, null);
    assertThatThrownBy(() -> new SimulatorBackend(openai, clock)).isInstanceOf(IllegalArgumentException.class);
  }

  private SimulatorBackend backend(SimulatorConfig simulator, Integer maxConcurrency) {
    BackendConfig config = new BackendConfig("simulated", BackendType.SIMULATOR, null, null, List.of("sim"),
        new LimitsConfig(null, null, maxConcurrency), null, simulator);
    return new SimulatorBackend(config, clock);
  }
}
