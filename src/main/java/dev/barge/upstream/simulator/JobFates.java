package dev.barge.upstream.simulator;

import dev.barge.config.SimulatorBatchJobs;
import java.nio.charset.StandardCharsets;

/**
 * What becomes of each request of a job: picked from the seed and the request's {@code custom_id}, so the
 * same job gets the same fates, in any order and with no memory per request.
 */
final class JobFates {
  enum Fate { ANSWERED, RATE_LIMITED, SERVER_ERROR, EXPIRED, CANCELLED }

  private static final long PROGRESS = 1;
  private static final long OUTCOME = 2;
  private static final long KIND = 3;
  private static final long ORDER = 4;

  private final SimulatorBatchJobs options;
  private final long seed;

  JobFates(SimulatorBatchJobs options, long seed) {
    this.options = options;
    this.seed = seed;
  }

  /**
   * The fate of request {@code index} of {@code total}, when the job got through {@code doneShare} of its
   * requests (1 unless cancelled). Without shuffle it works through the input in order; with it, all over.
   */
  Fate of(String customId, long index, long total, double doneShare) {
    double progress = options.shuffle() ? uniform(customId, PROGRESS) : (index + 0.5) / total;
    if (progress >= doneShare) return Fate.CANCELLED;
    double outcome = uniform(customId, OUTCOME);
    if (outcome < options.expireFraction()) return Fate.EXPIRED;
    if (outcome < options.expireFraction() + options.errorFraction()) {
      return uniform(customId, KIND) < 0.5 ? Fate.RATE_LIMITED : Fate.SERVER_ERROR;
    }
    return Fate.ANSWERED;
  }

  /** Which of {@code buckets} the result of {@code customId} goes in, to come out in another order. */
  int bucket(String customId, int buckets) {
    return (int) (uniform(customId, ORDER) * buckets);
  }

  /** A number in [0, 1), the same for the same seed, id and purpose. */
  private double uniform(String customId, long purpose) {
    long h = seed ^ (purpose * 0x9E3779B97F4A7C15L);
    for (byte b : customId.getBytes(StandardCharsets.UTF_8)) h = mix(h ^ b);
    return (mix(h) >>> 11) * 0x1.0p-53;
  }

  /** SplitMix64's finalizer: every input bit changes about half the output bits. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
