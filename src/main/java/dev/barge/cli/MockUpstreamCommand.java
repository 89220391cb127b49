package dev.barge.cli;

import dev.barge.config.SimulatorBatchJobs;
import dev.barge.config.SimulatorConfig;
import dev.barge.config.SimulatorFaults;
import dev.barge.config.SimulatorPrefixCache;
import dev.barge.config.SimulatorLimitHeaders;
import dev.barge.upstream.simulator.SimulatorServer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code barge mock-upstream}: the simulator as a standalone OpenAI-compatible server. */
@Command(
    name = "mock-upstream",
    mixinStandardHelpOptions = true,
    description = "Run the OpenAI-compatible simulator (not a real model): made-up replies with real response "
        + "shapes and usage, configurable latency, faults and rate limits, for demos, tests and benchmarks.")
public final class MockUpstreamCommand implements Callable<Integer> {

  /** SimulatorConfig names YAML keys in its messages; on the command line the user typed options. */
  private static final Map<String, String> OPTION_OF_KEY = Map.ofEntries(
      Map.entry("latency_ms", "--latency-ms"),
      Map.entry("jitter_ms", "--jitter-ms"),
      Map.entry("token_ms", "--token-ms"),
      Map.entry("error_rate", "--error-rate"),
      Map.entry("rate_limit_rate", "--rate-limit-rate"),
      Map.entry("error_rate + rate_limit_rate", "--error-rate + --rate-limit-rate"),
      Map.entry("error_rate + rate_limit_rate + faults", "the fault rates together"),
      Map.entry("retry_after_ms", "--retry-after-ms"),
      Map.entry("requests_per_minute", "--rpm"),
      Map.entry("tokens_per_minute", "--tpm"),
      Map.entry("capacity", "--capacity"),
      Map.entry("burst_seconds", "--burst-seconds"),
      Map.entry("unavailable_rate", "--unavailable-rate"),
      Map.entry("reset_rate", "--reset-rate"),
      Map.entry("truncated_rate", "--truncated-rate"),
      Map.entry("slow_rate", "--slow-rate"),
      Map.entry("slow_ms", "--slow-ms"),
      Map.entry("prefix_cache.entries", "--prefix-cache-entries"),
      Map.entry("prefix_cache.prefill_us_per_token", "--prefill-us-per-token"),
      Map.entry("batch_jobs.complete_after", "--job-complete-after"),
      Map.entry("batch_jobs.expire_fraction", "--job-expire-fraction"),
      Map.entry("batch_jobs.error_fraction", "--job-error-fraction"),
      Map.entry("batch_jobs.expire_fraction + batch_jobs.error_fraction",
          "--job-expire-fraction + --job-error-fraction"));

  @Spec private CommandSpec spec;

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  private String host;

  @Option(names = "--port", defaultValue = "8000",
      description = "Port to listen on, 0 for any free one (default: ${DEFAULT-VALUE}).")
  private int port;

  @Option(names = "--latency-ms", description = "Fixed delay before each answer (default: 0).")
  private Integer latencyMs;

  @Option(names = "--token-ms",
      description = "Time between the events of a streamed answer, about one token each (default: 0).")
  private Integer tokenMs;

  @Option(names = "--jitter-ms", description = "Extra random delay, uniform in [0, jitter] (default: 0).")
  private Integer jitterMs;

  @Option(names = "--error-rate", description = "Fraction of requests answered 500 (default: 0).")
  private Double errorRate;

  @Option(names = "--rate-limit-rate",
      description = "Fraction of requests answered 429 regardless of limits (default: 0).")
  private Double rateLimitRate;

  @Option(names = "--retry-after-ms", description = "retry-after-ms sent with injected 429s (default: 1000).")
  private Integer retryAfterMs;

  @Option(names = "--rpm", description = "Enforced requests per minute (default: unlimited).")
  private Integer requestsPerMinute;

  @Option(names = "--tpm", description = "Enforced tokens per minute (default: unlimited).")
  private Integer tokensPerMinute;

  @Option(names = "--capacity", description = "Requests served at full speed; more in flight slow every "
      + "answer in proportion (default: unlimited).")
  private Integer capacity;

  @Option(names = "--burst-seconds", description = "Seconds of --rpm/--tpm let through at once (default: 60, "
      + "a minute's worth; hosted APIs often allow about 1).")
  private Integer burstSeconds;

  @Option(names = "--limit-headers", paramLabel = "WHEN", converter = LimitHeadersConverter.class,
      description = "When the enforced limits are announced in x-ratelimit-* headers: always (default) or on_429.")
  private SimulatorLimitHeaders limitHeaders;

  @Option(names = "--unavailable-rate", description = "Fraction of requests answered 503 at once, with "
      + "--retry-after-ms (default: 0).")
  private Double unavailableRate;

  @Option(names = "--reset-rate", description = "Fraction of connections reset without an answer (default: 0).")
  private Double resetRate;

  @Option(names = "--truncated-rate", description = "Fraction of requests answered 200 with the JSON body cut off "
      + "halfway (default: 0).")
  private Double truncatedRate;

  @Option(names = "--slow-rate", description = "Fraction of requests answered only after --slow-ms (default: 0).")
  private Double slowRate;

  @Option(names = "--slow-ms", description = "How long a slow answer takes (default: 3000).")
  private Integer slowMs;

  @Option(names = "--job-complete-after", paramLabel = "DURATION", description = "How long after its creation a "
      + "provider batch job (OpenAI Batch, Anthropic Message Batches) ends, e.g. 30s (default: 2s).")
  private String jobCompleteAfter;

  @Option(names = "--job-expire-fraction", description = "Share of each job's requests left unrun: the job ends "
      + "expired (default: 0).")
  private Double jobExpireFraction;

  @Option(names = "--job-error-fraction", description = "Share of each job's requests answered 429 or 500 "
      + "(default: 0).")
  private Double jobErrorFraction;

  @Option(names = "--job-fail", description = "Every job fails as a whole (OpenAI: status failed; Anthropic: "
      + "every request errored).")
  private Boolean jobFail;

  @Option(names = "--job-shuffle", description = "Job results come in another order than the requests.")
  private Boolean jobShuffle;

  @Option(names = "--prefix-cache-entries", description = "Prompt prefixes (system prompt and earlier turns) kept "
      + "resident, as vLLM's KV cache keeps them; a resident prefix's tokens are reported as cached (default: 0, none).")
  private Integer prefixCacheEntries;

  @Option(names = "--prefill-us-per-token", description = "Time per prompt token not found in the prefix cache, in "
      + "microseconds, added to the latency (default: 0).")
  private Integer prefillUsPerToken;

  @Option(names = "--seed", description = "Seed of the random source, so a run can be repeated.")
  private Long seed;

  @Option(names = "--models", split = ",", paramLabel = "MODEL",
      description = "Model names to serve (default: any name).")
  private List<String> models = List.of();

  @Override
  public Integer call() throws InterruptedException {
    SimulatorConfig config = config();
    if (port < 0 || port > 65535) {
      throw new ParameterException(spec.commandLine(),
          "Invalid value for --port: must be between 0 and 65535, was " + port);
    }
    SimulatorServer server = SimulatorServer.start(host, port, config, Set.copyOf(models));
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "simulator-shutdown"));
    spec.commandLine().getOut().println(
        "Barge simulator (simulated model, not a real one) listening on " + server.baseUrl());
    spec.commandLine().getOut().flush();
    // The server runs on its own threads; this thread only keeps the command alive until the process is stopped.
    Thread.currentThread().join();
    return 0;
  }

  private SimulatorConfig config() {
    try {
      return new SimulatorConfig(
          latencyMs, jitterMs, errorRate, rateLimitRate, retryAfterMs, requestsPerMinute, tokensPerMinute, seed,
          capacity, burstSeconds, limitHeaders,
          new SimulatorFaults(unavailableRate, resetRate, truncatedRate, slowRate, slowMs),
          new SimulatorBatchJobs(jobCompleteAfter, jobExpireFraction, jobErrorFraction, jobFail, jobShuffle),
          tokenMs, new SimulatorPrefixCache(prefixCacheEntries, prefillUsPerToken));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), optionMessage(e.getMessage()));
    }
  }

  /** Reads {@code --limit-headers} by its YAML names, with the same message as the configuration file. */
  static final class LimitHeadersConverter implements ITypeConverter<SimulatorLimitHeaders> {
    @Override
    public SimulatorLimitHeaders convert(String value) {
      try {
        return SimulatorLimitHeaders.of(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage().replace("limit_headers: ", ""));
      }
    }
  }

  private static String optionMessage(String configMessage) {
    int colon = configMessage.indexOf(": ");
    if (colon < 0) return configMessage;
    String key = configMessage.substring(0, colon);
    return "Invalid value for " + OPTION_OF_KEY.getOrDefault(key, key) + configMessage.substring(colon);
  }
}
