package dev.barge.batch;

import dev.barge.cost.Tier;
import dev.barge.store.BatchTiers;
import dev.barge.store.UpstreamJobStore;
import java.util.List;
import java.util.Map;

/** How a batch's lines were bought: results per tier, and the provider jobs that held its lines. */
public final class BatchPaths {
  private final BatchTiers tiers;
  private final UpstreamJobStore jobs;

  public BatchPaths(BatchTiers tiers, UpstreamJobStore jobs) {
    this.tiers = tiers;
    this.jobs = jobs;
  }

  /** One batch's paths: results per tier, and its upstream jobs, oldest first. */
  public record Paths(Map<Tier, BatchTiers.TierTotal> tiers, List<UpstreamJobStore.BatchJob> upstreamJobs) {}

  public Paths of(String batchId) {
    return new Paths(tiers.of(batchId), jobs.forBatch(batchId));
  }
}
