package dev.barge.dispatch;

import dev.barge.batch.model.BatchRecord;
import dev.barge.cost.PriceTable;
import dev.barge.cost.Tier;
import dev.barge.cost.Usage;
import dev.barge.store.ClaimedRequest;
import dev.barge.store.RequestResults;
import dev.barge.store.RequestUpdate;
import dev.barge.store.BatchStore;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.ProviderBatchApi;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives the results of one provider job and records them in groups: an answer the provider gave is
 * classified as a real-time call's is (a success or a final error becomes the line's result, bought at the
 * {@code batch} tier at the provider's discount; a 429 or 5xx goes back to the queue), and a line the job did
 * not run goes back to the queue. Lines back in the queue run real-time.
 */
final class JobResults implements ProviderBatchApi.ResultSink {
  private static final Logger log = LoggerFactory.getLogger(JobResults.class);
  private static final int GROUP = 500;

  private final String jobId;
  private final BigDecimal discount;
  private final PriceTable prices;
  private final BatchStore batches;
  private final RequestResults results;
  private final Clock clock;
  private final Map<String, Optional<BatchRecord>> batchesById = new HashMap<>();
  private final List<RequestUpdate> group = new ArrayList<>();
  private long answered;
  private long unknown;

  JobResults(String jobId, BigDecimal discount, PriceTable prices, BatchStore batches, RequestResults results,
      Clock clock) {
    this.jobId = jobId;
    this.discount = discount;
    this.prices = prices;
    this.batches = batches;
    this.results = results;
    this.clock = clock;
  }

  @Override
  public void answered(String customId, Outcome outcome) {
    JobIds.Line line = JobIds.parse(customId);
    BatchRecord batch = line == null ? null : batchesById.computeIfAbsent(line.batchId(), batches::find).orElse(null);
    if (batch == null) {
      unknown++;
      return;
    }
    long now = clock.millis();
    add(switch (outcome) {
      case Outcome.Success s -> priced(batch, line, s, now);
      case Outcome.Rejected r -> priced(batch, line, r, now);
      default -> new RequestUpdate.Requeued(batch.id(), line.line(), jobId, now);
    });
  }

  @Override
  public void notRun(String customId, String reason) {
    JobIds.Line line = JobIds.parse(customId);
    if (line == null) {
      unknown++;
      return;
    }
    add(new RequestUpdate.Requeued(line.batchId(), line.line(), jobId, clock.millis()));
  }

  /** The final answer to a line the provider's format cannot carry (it is never sent): a 400, at no cost. */
  static RequestUpdate.Finished refused(ClaimedRequest r, String jobId, Outcome.Rejected refusal, long now) {
    return Settlements.finalOutcome(r, jobId, refusal, now).priced(Tier.BATCH, 0, 0);
  }

  private RequestUpdate priced(BatchRecord batch, JobIds.Line line, Outcome outcome, long now) {
    ClaimedRequest r = new ClaimedRequest(batch.id(), line.line(), null, 0, 0, 1);
    RequestUpdate.Finished f = Settlements.finalOutcome(r, jobId, outcome, now);
    Usage u = f.usage();
    return f.priced(Tier.BATCH, prices.cost(batch.model(), u.inputTokens(), u.cachedTokens(), u.outputTokens(), discount),
        prices.cost(batch.model(), u.inputTokens(), u.cachedTokens(), u.outputTokens(), Tier.STANDARD));
  }

  private void add(RequestUpdate update) {
    group.add(update);
    if (group.size() >= GROUP) flush();
  }

  /** Records what is gathered so far. */
  void flush() {
    if (group.isEmpty()) return;
    long finished = group.stream().filter(u -> u instanceof RequestUpdate.Finished).count();
    int applied = results.recordFromJob(group);
    answered += Math.min(finished, applied);
    group.clear();
  }

  /** Lines whose result from the job was recorded (at most: a line answered real-time first is not). */
  long answered() {
    return answered;
  }

  /** Results whose id Barge did not make or whose batch is gone. */
  long unknown() {
    if (unknown > 0) log.warn("provider job {}: {} result(s) with an id Barge did not make, ignored", jobId, unknown);
    return unknown;
  }
}
