package dev.barge.dispatch;

import dev.barge.config.ProviderBatchConfig;
import dev.barge.cost.PriceTable;
import dev.barge.store.ClaimedRequest;
import dev.barge.store.UpstreamJob;
import dev.barge.store.UpstreamJobStore;
import dev.barge.upstream.Backend;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.ProviderBatchApi;
import dev.barge.upstream.ProviderJobException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a provider job from its record to its end, one step per look: a job left {@code creating} (a
 * crash, an unreachable provider) is looked for by its id and made anew only if it is not there; a running
 * job none of whose lines is wanted any more (spilled, cancelled, expired) is cancelled upstream; an ended
 * job's results are recorded, and the lines it did not answer are handed back to run real-time.
 */
final class JobTracker {
  private static final Logger log = LoggerFactory.getLogger(JobTracker.class);
  /** Jobs recorded this long before one whose creation was cut short are told apart from it by their ids. */
  private static final Duration KNOWN_JOBS_BEFORE = Duration.ofHours(1);

  private final Dispatcher.Stores stores;
  private final UpstreamJobStore jobs;
  private final JobFiller filler;
  private final PriceTable prices;
  private final DispatchMetrics metrics;
  private final Clock clock;
  private final Runnable resultsRecorded;

  JobTracker(Dispatcher.Stores stores, UpstreamJobStore jobs, JobFiller filler, PriceTable prices,
      DispatchMetrics metrics, Clock clock, Runnable resultsRecorded) {
    this.stores = stores;
    this.jobs = jobs;
    this.filler = filler;
    this.prices = prices;
    this.metrics = metrics;
    this.clock = clock;
    this.resultsRecorded = resultsRecorded;
  }

  /** Takes the next step with {@code job}. */
  void step(Backend backend, ProviderBatchApi api, UpstreamJob job) {
    ProviderBatchConfig config = backend.config().providerBatch();
    try {
      switch (job.state()) {
        case CREATING -> recover(backend, api, job);
        case RUNNING, CANCELLING, ENDED -> follow(backend, api, job, config);
        case DONE -> { }
      }
    } catch (IOException | ProviderJobException e) {
      log.warn("provider job {} ({}) on {}: {}; asking again later", job.id(), job.providerId(), backend.name(),
          e.toString());
      jobs.seen(job.id(), new UpstreamJobStore.Seen(job.state(), job.providerStatus(), job.total(), job.completed(),
          job.failed(), job.failure(), job.resultRefs(), clock.millis() + config.pollInterval().toMillis(), null));
    }
  }

  /** A job recorded but not known to exist upstream: adopt it if the provider has it, else make it again. */
  private void recover(Backend backend, ProviderBatchApi api, UpstreamJob job) throws IOException {
    Endpoint endpoint = Endpoint.ofPath(job.endpoint()).orElseThrow();
    Optional<ProviderBatchApi.Created> found = api.find(new ProviderBatchApi.Lookup(job.id(), job.createdAt(),
        endpoint, jobs.providerIdsSince(backend.name(), job.createdAt() - KNOWN_JOBS_BEFORE.toMillis()),
        customId -> holds(job, customId)));
    if (found.isPresent()) {
      log.info("provider job {} found upstream as {} after an interrupted creation", job.id(), found.get().id());
      jobs.created(job.id(), found.get().id(), found.get().memo(), clock.millis());
      return;
    }
    List<ClaimedRequest> lines = stores.queries().heldByJob(job.id());
    log.info("provider job {} not found upstream: creating it with the {} line(s) it holds", job.id(), lines.size());
    if (lines.isEmpty()) {
      done(job, "empty", null, job.total(), 0, 0);
      return;
    }
    filler.create(backend, api, job.id(), endpoint, lines);
  }

  /** Whether a request id found in a provider's job is one of the lines put in {@code job}. */
  private boolean holds(UpstreamJob job, String customId) {
    JobIds.Line line = JobIds.parse(customId);
    return line != null && stores.queries().wasInJob(line.batchId(), line.line(), job.id());
  }

  private void follow(Backend backend, ProviderBatchApi api, UpstreamJob job, ProviderBatchConfig config)
      throws IOException, ProviderJobException {
    UpstreamJob.State state = job.state();
    if (state == UpstreamJob.State.RUNNING && !stores.queries().jobHoldsAny(job.id())) {
      api.cancel(job.providerId());
      state = UpstreamJob.State.CANCELLING;
      log.info("provider job {} ({}) cancelled upstream: none of its lines is wanted any more", job.id(),
          job.providerId());
    }
    ProviderBatchApi.JobState seen = api.status(job.providerId());
    ProviderBatchApi.Counts counts = seen.counts();
    if (seen.phase() != ProviderBatchApi.Phase.ENDED) {
      if (seen.phase() == ProviderBatchApi.Phase.CANCELLING) state = UpstreamJob.State.CANCELLING;
      jobs.seen(job.id(), new UpstreamJobStore.Seen(state, seen.status(), counts.total(), counts.completed(),
          counts.failed(), seen.failure(), seen.resultRefs(), clock.millis() + config.pollInterval().toMillis(), null));
      return;
    }
    jobs.seen(job.id(), new UpstreamJobStore.Seen(UpstreamJob.State.ENDED, seen.status(), counts.total(),
        counts.completed(), counts.failed(), seen.failure(), seen.resultRefs(), clock.millis(), null));
    JobResults sink = new JobResults(job.id(), config.discount(), prices, stores.batches(), stores.results(), clock);
    api.results(seen, job.memo(), sink);
    sink.flush();
    sink.unknown();
    int handedBack = stores.results().handBackFromJob(job.id(), clock.millis());
    resultsRecorded.run();
    metrics.upstreamJob(backend.name(), seen.status());
    long spilled = Math.max(0, job.total() - sink.answered());
    if (spilled > 0) metrics.spilled(backend.name(), spilled);
    done(job, seen.status(), seen.failure(), counts.total(), counts.completed(), counts.failed());
    log.info("provider job {} ({}) {}: {} line(s) answered in it, {} handed back to run real-time", job.id(),
        job.providerId(), seen.status(), sink.answered(), handedBack);
    // After done: a job whose files are gone must never be read again. A crash in between leaves the files.
    try {
      api.discard(seen);
    } catch (IOException e) {
      log.warn("provider job {} ({}): its files could not be deleted upstream: {}", job.id(), job.providerId(),
          e.toString());
    }
  }

  private void done(UpstreamJob job, String status, String failure, long total, long completed, long failed) {
    long now = clock.millis();
    jobs.seen(job.id(), new UpstreamJobStore.Seen(UpstreamJob.State.DONE, status, total, completed, failed, failure,
        job.resultRefs(), now, now));
  }
}
