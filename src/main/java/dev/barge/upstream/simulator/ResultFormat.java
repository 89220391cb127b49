package dev.barge.upstream.simulator;

import java.io.IOException;

/** How one API writes the results of a job's requests. */
interface ResultFormat {
  /** Writes the result of a request the simulator answered (or failed with an injected error). */
  void answered(ResultFiles files, int bucket, String customId, SimulatedAnswer answer) throws IOException;

  /** Writes the result of a request the job did not run. */
  void notRun(ResultFiles files, int bucket, String customId, boolean expired) throws IOException;

  /** Whether the API fails a job as a whole (OpenAI); otherwise each of its requests fails (Anthropic). */
  boolean failsWholeJobs();

  /** The results are written; the job is about to be shown ended. */
  void ended(SimulatedJob<?> job, SimulatedJob.Ended ended) throws IOException;
}
