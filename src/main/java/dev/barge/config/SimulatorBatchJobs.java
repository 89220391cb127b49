package dev.barge.config;

import java.time.Duration;

/**
 * How a simulated provider runs batch jobs (OpenAI Batch, Anthropic Message Batches) sent to {@code barge
 * mock-upstream}. Which requests expire, fail or finish before a cancel is picked from the simulator's
 * {@code seed} and each request's {@code custom_id}, so a seeded run repeats.
 *
 * @param completeAfter how long after its creation a job ends, whatever its size (default {@code 2s});
 *     writing the results of a large job takes its own time on top, as the provider's finalizing does
 * @param expireFraction the share of each job's requests left unrun: the job then ends {@code expired}
 *     (OpenAI; the lines are in the error file with code {@code batch_expired}), or their results are {@code
 *     expired} (Anthropic)
 * @param errorFraction the share of requests answered 429 or 500 (half each) in the job: error-file lines
 *     (OpenAI), {@code errored} results (Anthropic)
 * @param failJobs every job fails as a whole: OpenAI's ends {@code failed} with {@code errors}; an Anthropic
 *     job, which cannot fail, ends with every request {@code errored} ({@code api_error})
 * @param shuffle results come in a different order from the requests, and a cancel stops requests all over
 *     the input instead of its tail
 */
public record SimulatorBatchJobs(String completeAfter, Double expireFraction, Double errorFraction,
    Boolean failJobs, Boolean shuffle) {
  public static final SimulatorBatchJobs DEFAULTS = new SimulatorBatchJobs(null, null, null, null, null);

  public SimulatorBatchJobs {
    if (completeAfter == null) completeAfter = "2s";
    Durations.require("batch_jobs.complete_after", completeAfter);
    expireFraction = fraction("batch_jobs.expire_fraction", expireFraction);
    errorFraction = fraction("batch_jobs.error_fraction", errorFraction);
    if (expireFraction + errorFraction > 1) {
      throw new IllegalArgumentException("batch_jobs.expire_fraction + batch_jobs.error_fraction: must not exceed 1");
    }
    if (failJobs == null) failJobs = false;
    if (shuffle == null) shuffle = false;
  }

  public Duration completeAfterDuration() {
    return Durations.parse(completeAfter);
  }

  private static double fraction(String key, Double value) {
    if (value == null) return 0.0;
    if (value.isNaN() || value < 0 || value > 1) throw new IllegalArgumentException(key + ": must be between 0 and 1");
    return value;
  }
}
