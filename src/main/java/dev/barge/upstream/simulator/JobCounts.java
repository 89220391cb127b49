package dev.barge.upstream.simulator;

/**
 * What the simulator's provider batch jobs have done so far, for tests and benchmarks to count.
 *
 * @param openai OpenAI Batch jobs
 * @param anthropic Anthropic Message Batches
 * @param requests requests answered inside jobs, of either API
 * @param filesStored files the OpenAI Files API holds now (inputs uploaded, results written, not yet deleted)
 */
public record JobCounts(PerApi openai, PerApi anthropic, long requests, long filesStored) {
  /** Jobs of one API: created, and asked to cancel while running. */
  public record PerApi(long created, long cancelled) {}
}
