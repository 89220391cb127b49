package dev.barge.dispatch;

import dev.barge.batch.model.BatchRecord;
import dev.barge.config.ProviderBatchConfig;
import dev.barge.store.ClaimedRequest;
import dev.barge.store.RequestUpdate;
import dev.barge.store.UpstreamJob;
import dev.barge.store.UpstreamJobStore;
import dev.barge.upstream.Backend;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.ProviderBatchApi;
import dev.barge.upstream.ProviderJobException;
import dev.barge.upstream.RequestBody;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes provider jobs: records the job first, leases lines to it (nearest deadline first, up to the
 * provider's limits), writes its input from the batches' input files and creates it upstream. The record
 * comes first so that a crash at any step leaves a job that {@link JobTracker} finds again or makes anew,
 * never a second one.
 */
final class JobFiller {
  private static final Logger log = LoggerFactory.getLogger(JobFiller.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int CLAIM_CHUNK = 2_000;
  /** What a line costs in a job's input beyond its body (the custom id, method and url around it). */
  private static final long LINE_OVERHEAD_BYTES = 160;
  /** How long a job's creation may take (an upload of hundreds of megabytes) before it is looked for again. */
  private static final long CREATION_TIMEOUT_MS = 3_600_000;

  private final Dispatcher.Stores stores;
  private final UpstreamJobStore jobs;
  private final String nodeId;
  private final DispatchMetrics metrics;
  private final Clock clock;

  JobFiller(Dispatcher.Stores stores, UpstreamJobStore jobs, String nodeId, DispatchMetrics metrics, Clock clock) {
    this.stores = stores;
    this.jobs = jobs;
    this.nodeId = nodeId;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** Cuts one job of {@code backend} from the fresh lines of {@code batches} (all for {@code endpoint}) and creates it. */
  void cut(Backend backend, ProviderBatchApi api, String endpoint, List<BatchRecord> batches) {
    ProviderBatchConfig config = backend.config().providerBatch();
    String jobId = UpstreamJobStore.ID_PREFIX + HexFormat.of().formatHex(randomBytes());
    long now = clock.millis();
    // Not looked at by the tracker while this node is creating it; a node that takes it over (this one
    // dead) looks at once.
    jobs.insertCreating(jobId, backend.name(), endpoint, nodeId, now, now + CREATION_TIMEOUT_MS);
    List<ClaimedRequest> lines = new ArrayList<>();
    Map<String, Long> perBatch = new LinkedHashMap<>();
    long bytes = 0;
    long byteBudget = config.maxBytes() - config.maxBytes() / 20; // room for lines longer than their estimate
    for (BatchRecord b : batches.stream().sorted(Comparator.comparingLong(BatchRecord::expiresAt)).toList()) {
      long spillAt = PathChoice.spillAt(b, backend);
      while (lines.size() < config.maxRequestsPerJob() && bytes < byteBudget) {
        int room = config.maxRequestsPerJob() - lines.size();
        long averageLine = lines.isEmpty() ? 1024 : bytes / lines.size();
        int chunk = (int) Math.max(1, Math.min(Math.min(CLAIM_CHUNK, room), (byteBudget - bytes) / averageLine));
        List<ClaimedRequest> claimed = stores.queue().claimForJob(b.id(), chunk, clock.millis(), jobId, spillAt);
        if (claimed.isEmpty()) break;
        for (ClaimedRequest r : claimed) bytes += r.length() + LINE_OVERHEAD_BYTES;
        lines.addAll(claimed);
        perBatch.merge(b.id(), (long) claimed.size(), Long::sum);
      }
    }
    jobs.filled(jobId, perBatch.entrySet().stream()
        .map(e -> new UpstreamJobStore.BatchShare(e.getKey(), e.getValue())).toList());
    if (lines.isEmpty()) {
      jobs.seen(jobId, new UpstreamJobStore.Seen(UpstreamJob.State.DONE, "empty", 0, 0, 0, null, null, now, now));
      return;
    }
    create(backend, api, jobId, Endpoint.ofPath(endpoint).orElseThrow(), lines);
  }

  /**
   * Writes the input of job {@code jobId} from {@code lines} and creates it upstream. A provider that
   * refuses the job hands its lines back (they run real-time); one that could not be reached leaves the job
   * {@code creating}, to be looked for and made again by {@link JobTracker}.
   */
  void create(Backend backend, ProviderBatchApi api, String jobId, Endpoint endpoint, List<ClaimedRequest> lines) {
    ProviderBatchConfig config = backend.config().providerBatch();
    long maxBytes = config.maxBytes();
    List<RequestUpdate> setAside = new ArrayList<>();
    Map<String, String> blobKeys = new HashMap<>();
    try (ProviderBatchApi.JobInput input = api.newInput()) {
      for (ClaimedRequest r : lines) {
        byte[] body;
        try {
          String blobKey = blobKeys.computeIfAbsent(r.batchId(), this::inputBlob);
          if (blobKey == null) throw new IOException("the input file is gone");
          body = RequestBody.of(stores.blobs().read(blobKey, r.offset(), r.length()));
        } catch (IOException | RuntimeException e) {
          setAside.add(Settlements.unreadable(r, jobId, e,
              clock.millis()));
          continue;
        }
        String customId = JobIds.customId(r.batchId(), r.line());
        if (input.bytes() + input.bytesFor(customId, endpoint, body) > maxBytes) {
          // Longer than estimated: it runs real-time rather than break the provider's limit.
          setAside.add(new RequestUpdate.Requeued(r.batchId(), r.line(), jobId, clock.millis()));
          continue;
        }
        input.add(customId, endpoint, body).ifPresent(refused ->
            setAside.add(JobResults.refused(r, jobId, refused, clock.millis())));
      }
      if (!setAside.isEmpty()) stores.results().recordFromJob(setAside);
      if (input.requests() == 0) {
        jobs.seen(jobId, new UpstreamJobStore.Seen(UpstreamJob.State.DONE, "empty", 0, 0, 0, null, null,
            clock.millis(), clock.millis()));
        return;
      }
      ProviderBatchApi.Created created = api.create(jobId, input);
      jobs.created(jobId, created.id(), created.memo(), clock.millis() + config.pollInterval().toMillis());
      metrics.upstreamJob(backend.name(), "created");
      log.info("provider job {} created on {} as {} with {} line(s), {} bytes", jobId, backend.name(), created.id(),
          input.requests(), input.bytes());
    } catch (ProviderJobException e) {
      int back = stores.results().handBackFromJob(jobId, clock.millis());
      long now = clock.millis();
      jobs.seen(jobId, new UpstreamJobStore.Seen(UpstreamJob.State.DONE, "refused", lines.size(), 0, 0,
          e.getMessage(), null, now, now));
      metrics.upstreamJob(backend.name(), "refused");
      metrics.spilled(backend.name(), back);
      log.warn("provider job {} refused by {} ({}): {} line(s) run real-time instead", jobId, backend.name(),
          e.status(), back);
    } catch (IOException | RuntimeException e) {
      // Whether the job exists upstream is unknown: the tracker looks for it by its id before making it again.
      log.warn("provider job {} on {} not created yet: {}", jobId, backend.name(), e.toString());
      jobs.seen(jobId, new UpstreamJobStore.Seen(UpstreamJob.State.CREATING, null, lines.size(), 0, 0, null, null,
          clock.millis() + config.pollInterval().toMillis(), null));
    }
  }

  private String inputBlob(String batchId) {
    return stores.batches().find(batchId).map(stores::inputBlob).orElse(null);
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return b;
  }
}
