package dev.barge.upstream.simulator;

/**
 * What the simulator's provider batch jobs have done so far, for tests and benchmarks to count.
 *
 * @param openai OpenAI Batch jobs
 * @param anthropic Anthropic Message Batches
 * @param requests requests answered inside jobs, of either API
 */
public record JobCounts(PerApi openai, PerApi anthropic, long requests) {
  /** Jobs of one API: created, and asked to cancel while running. */
  public record PerApi(long created, long cancelled) {}
}
