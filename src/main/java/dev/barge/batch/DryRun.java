package dev.barge.batch;

import java.time.Instant;
import java.util.List;

/**
 * What a batch would be, found without queueing anything: the validation the batch would get, its token
 * counts, its cost at the batch and real-time prices, and when it would finish.
 *
 * @param model the file's model (null when no line names one)
 * @param requests request lines in the file
 * @param errors what validation would fail the batch with; empty when it would start
 * @param promptTokens prompt tokens of all lines, counted with a real tokenizer
 * @param maxOutputTokens the most the answers may take: each line's own limit, or the default
 * @param enqueuedTokens the estimate held against the project's enqueued-token quota (body bytes / 4)
 * @param batchCost the cost at batch price if every answer used its whole output limit, in picodollars; null
 *     when the model has no price
 * @param realTimeCost the same at the real-time price
 * @param completionAt when it would finish at the backends' configured limits, behind the work queued for the
 *     model; null when no limit is configured to go on
 * @param fitsBeforeExpiry whether that is before its completion window ends; null when unknown
 */
public record DryRun(String model, int requests, List<LineError> errors, long promptTokens, long maxOutputTokens,
    long enqueuedTokens, Long batchCost, Long realTimeCost, Instant completionAt, Boolean fitsBeforeExpiry) {
  public DryRun {
    errors = List.copyOf(errors);
  }
}
