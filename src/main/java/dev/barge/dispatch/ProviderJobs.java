package dev.barge.dispatch;

import dev.barge.background.BackgroundLoop;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchStatus;
import dev.barge.batch.model.Canary;
import dev.barge.config.ProviderBatchConfig;
import dev.barge.config.TimeWindow;
import dev.barge.store.UpstreamJob;
import dev.barge.store.UpstreamJobStore;
import dev.barge.upstream.Backend;
import dev.barge.upstream.Backends;
import dev.barge.upstream.ProviderBatchApi;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider-jobs path, the peer of real-time calls: for each backend with {@code provider_batch}, gathers
 * the never-tried lines of batches that wait for jobs into provider batch jobs ({@link JobFiller}) and
 * follows every job to its end ({@link JobTracker}). A job is cut when the lines waiting fill one, or when
 * the first of them has waited {@code gather}. Each job's steps run on a virtual thread of their own, one
 * at a time per job, so a large upload or download holds up nothing else.
 */
public final class ProviderJobs implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProviderJobs.class);
  private static final long TICK_MS = 500;

  private final Map<Backend, ProviderBatchApi> apis;
  private final Dispatcher.Stores stores;
  private final UpstreamJobStore jobs;
  private final String nodeId;
  private final Clock clock;
  private final LongSupplier liveSince;
  private final JobFiller filler;
  private final JobTracker tracker;
  private final PathChoice paths;
  private final Map<String, Long> waitingSince = new HashMap<>();
  private final Set<String> busy = ConcurrentHashMap.newKeySet();
  private final ExecutorService steps = Executors.newVirtualThreadPerTaskExecutor();
  private final BackgroundLoop loop = new BackgroundLoop("barge-provider-jobs", this::round);

  /**
   * @param liveSince the heartbeat time a node must have reached to count as alive (the database's time);
   *     the jobs of nodes that died are taken over
   */
  public ProviderJobs(Backends backends, Map<Backend, ProviderBatchApi> apis, Dispatcher.Stores stores, UpstreamJobStore jobs,
      Dispatcher.Settings settings, DispatchMetrics metrics, Clock clock,
      LongSupplier liveSince, Runnable resultsRecorded) {
    this.apis = Map.copyOf(apis);
    this.stores = stores;
    this.jobs = jobs;
    this.nodeId = settings.nodeId();
    this.clock = clock;
    this.liveSince = liveSince;
    this.paths = new PathChoice(backends);
    this.filler = new JobFiller(stores, jobs, nodeId, metrics, clock);
    this.tracker = new JobTracker(stores, jobs, filler, settings.prices(), metrics, clock, resultsRecorded);
  }

  /** Starts the loop; a single node restarting takes over the jobs it left (its id changed). */
  public ProviderJobs start(boolean singleNode) {
    if (apis.isEmpty()) return this;
    int adopted = jobs.adoptOrphans(nodeId, singleNode ? null : liveSince.getAsLong());
    if (adopted > 0) log.info("took over {} provider job(s) left by an earlier run", adopted);
    loop.start();
    return this;
  }

  private long round() {
    try {
      long now = clock.millis();
      jobs.adoptOrphans(nodeId, liveSince.getAsLong());
      List<BatchRecord> inProgress = stores.batches().active().stream()
          .filter(b -> b.status() == BatchStatus.IN_PROGRESS && b.model() != null).toList();
      for (var e : apis.entrySet()) {
        cutIfDue(e.getKey(), e.getValue(), inProgress, now);
        for (UpstreamJob job : jobs.due(e.getKey().name(), nodeId, now)) {
          runStep(job.id(), () -> tracker.step(e.getKey(), e.getValue(), job));
        }
      }
    } catch (RuntimeException e) {
      log.error("provider jobs round failed: {}", e.toString());
    }
    return TICK_MS;
  }

  /** Cuts a job per endpoint of {@code backend} when its waiting lines fill one or have waited long enough. */
  private void cutIfDue(Backend backend, ProviderBatchApi api, List<BatchRecord> inProgress, long now) {
    ProviderBatchConfig config = backend.config().providerBatch();
    Map<String, List<BatchRecord>> byEndpoint = new LinkedHashMap<>();
    for (BatchRecord b : inProgress) {
      if (!waitsHere(backend, b, now)) continue;
      byEndpoint.computeIfAbsent(b.endpoint(), k -> new ArrayList<>()).add(b);
    }
    for (var e : byEndpoint.entrySet()) {
      String key = backend.name() + " " + e.getKey();
      if (busy.contains(key)) continue;
      int waiting = 0;
      for (BatchRecord b : e.getValue()) {
        waiting += stores.queue().countFresh(b.id(), config.maxRequestsPerJob() - waiting);
        if (waiting >= config.maxRequestsPerJob()) break;
      }
      if (waiting == 0) {
        waitingSince.remove(key);
        continue;
      }
      long since = waitingSince.computeIfAbsent(key, k -> now);
      if (waiting < config.maxRequestsPerJob() && now - since < config.gatherFor().toMillis()) continue;
      waitingSince.remove(key);
      List<BatchRecord> batches = e.getValue();
      runStep(key, () -> filler.cut(backend, api, e.getKey(), batches));
    }
  }

  /** Whether {@code batch}'s fresh lines wait for a job of {@code backend} now. */
  private boolean waitsHere(Backend backend, BatchRecord b, long now) {
    if (b.canary().state() == Canary.State.FAILED) return false;
    if (b.spend().stoppedReason() != null) return false; // a budget stopped it: nothing more is bought
    if (!TimeWindow.anyContains(b.windows(), clock.instant())) return false;
    return paths.jobBackend(b.model()).filter(backend::equals).isPresent() && paths.waitsForJobs(b, now);
  }

  /** Runs one step on its own thread, unless a step under the same key is still running. */
  private void runStep(String key, Runnable step) {
    if (!busy.add(key)) return;
    try {
      steps.submit(() -> {
        try {
          step.run();
        } catch (RuntimeException e) {
          log.error("provider job step {} failed: {}", key, e.toString());
        } finally {
          busy.remove(key);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      busy.remove(key); // shutting down
    }
  }

  @Override
  public void close() {
    loop.close();
    steps.shutdown();
    try {
      if (!steps.awaitTermination(5, TimeUnit.SECONDS)) steps.shutdownNow();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
