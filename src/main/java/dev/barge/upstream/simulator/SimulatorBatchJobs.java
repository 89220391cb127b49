package dev.barge.upstream.simulator;

import java.time.Duration;

/**
 * How the simulator's provider batch jobs behave (the OpenAI Batch API it serves beside real-time calls).
 *
 * @param completeAfter how long after its creation a job ends
 * @param expireFraction the share of each job's requests left unrun, the job then ending {@code expired}
 * @param errorFraction the share of requests answered with a per-line 429 or 500 in the error file
 * @param failJobs every job fails as a whole ({@code failed}, nothing run)
 * @param shuffle results written in a different order from the input
 */
public record SimulatorBatchJobs(Duration completeAfter, double expireFraction, double errorFraction,
    boolean failJobs, boolean shuffle) {
  public SimulatorBatchJobs {
    if (completeAfter == null || completeAfter.isNegative()) {
      throw new IllegalArgumentException("a job's completion time must be zero or more");
    }
    if (expireFraction < 0 || expireFraction > 1) throw new IllegalArgumentException("expire fraction: 0 to 1");
    if (errorFraction < 0 || errorFraction > 1) throw new IllegalArgumentException("error fraction: 0 to 1");
  }

  public static final SimulatorBatchJobs DEFAULT = finishingAfter(Duration.ofSeconds(2));

  /** Jobs that end after {@code after}, every request answered. */
  public static SimulatorBatchJobs finishingAfter(Duration after) {
    return new SimulatorBatchJobs(after, 0, 0, false, false);
  }

  public SimulatorBatchJobs expiring(double fraction) {
    return new SimulatorBatchJobs(completeAfter, fraction, errorFraction, failJobs, shuffle);
  }

  public SimulatorBatchJobs erring(double fraction) {
    return new SimulatorBatchJobs(completeAfter, expireFraction, fraction, failJobs, shuffle);
  }

  public SimulatorBatchJobs failing() {
    return new SimulatorBatchJobs(completeAfter, expireFraction, errorFraction, true, shuffle);
  }

  public SimulatorBatchJobs shuffled() {
    return new SimulatorBatchJobs(completeAfter, expireFraction, errorFraction, failJobs, true);
  }
}
