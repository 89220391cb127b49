package dev.barge.dispatch;

import dev.barge.batch.model.BatchRecord;
import dev.barge.blob.BlobStore;
import dev.barge.config.Billing;
import dev.barge.cost.Tier;
import dev.barge.cost.Usage;
import dev.barge.store.ClaimedRequest;
import dev.barge.store.RequestUpdate;
import dev.barge.upstream.Backend;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.RequestBody;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batch calls, each on its own virtual thread: reads the line from the batch's input file, cuts the body,
 * sends it, lets the backend's gate learn from the answer, and settles the line (a retry later, or its
 * result with its price) through the recorder. Keeps the threads of each batch's calls in flight, so a
 * batch whose results are no longer wanted can interrupt them.
 */
final class BatchCall {
  private static final Logger log = LoggerFactory.getLogger(BatchCall.class);

  /** What the calls of one batch claimed together share. */
  record Source(BatchRecord batch, Endpoint endpoint, String blobKey) {}

  private final Dispatcher.Settings settings;
  private final BlobStore blobs;
  private final ResultRecorder<RequestUpdate> recorder;
  private final DispatchMetrics metrics;
  private final Clock clock;
  private final Runnable claimMore;
  private final Map<String, Set<Thread>> inFlight = new ConcurrentHashMap<>();

  /** @param claimMore wakes the dispatcher: a call ended and the backend is worth a claim again */
  BatchCall(Dispatcher.Settings settings, BlobStore blobs, ResultRecorder<RequestUpdate> recorder, DispatchMetrics metrics,
      Clock clock, Runnable claimMore) {
    this.settings = settings;
    this.blobs = blobs;
    this.recorder = recorder;
    this.metrics = metrics;
    this.clock = clock;
    this.claimMore = claimMore;
  }

  /** Sends request {@code r} of {@code source}'s batch to {@code backend} under {@code permit}, and settles it. */
  void send(Backend backend, BackendGate gate, Source source, ClaimedRequest r, Permit permit) {
    BatchRecord batch = source.batch();
    Set<Thread> threads = inFlight.computeIfAbsent(batch.id(), id -> ConcurrentHashMap.newKeySet());
    threads.add(Thread.currentThread());
    try (permit) {
      byte[] body;
      try {
        body = body(source.blobKey(), r);
      } catch (IOException | RuntimeException e) {
        log.error("batch {} line {} could not be read from its input file: {}", batch.id(), r.line(), e.toString());
        recorder.add(Settlements.unreadable(r, settings.nodeId(), e, clock.millis()));
        return; // unobserved: the permit's close lets a probe it was go again
      }
      Endpoint endpoint = source.endpoint();
      permit.charge(body, endpoint.generatesText(), clock.millis());
      long start = System.nanoTime();
      Outcome outcome = backend.send(endpoint, body);
      RequestUpdate update = settle(batch, r, outcome, gate.healthy(clock.millis()), tierOf(backend));
      recorder.add(update); // first: the answer is what matters most if anything below fails
      metrics.called(backend.name(), endpoint.path(), "batch", outcome, Duration.ofNanos(System.nanoTime() - start));
      if (update instanceof RequestUpdate.Finished f) {
        metrics.used(backend.name(), f.usage().inputTokens(), f.usage().outputTokens(), f.tier().wireName(), f.cost());
      }
      permit.observe(outcome, update instanceof RequestUpdate.Finished f ? f.usage() : Usage.ZERO, clock.millis());
    } finally {
      threads.remove(Thread.currentThread());
      Thread.interrupted(); // an abort must not leak into the next task of this thread
      long now = clock.millis();
      if (gate.worthClaiming(gate.admissible(now), now)) claimMore.run();
    }
  }

  /** Interrupts the calls in flight for a batch whose results are no longer wanted (cancelled, expired). */
  void abort(String batchId) {
    Set<Thread> threads = inFlight.get(batchId);
    if (threads != null) threads.forEach(Thread::interrupt);
  }

  /** Forgets the batches that no longer run and have no call in flight. */
  void forgetEnded(Set<String> running) {
    inFlight.entrySet().removeIf(e -> e.getValue().isEmpty() && !running.contains(e.getKey()));
  }

  private byte[] body(String blobKey, ClaimedRequest r) throws IOException {
    if (blobKey == null) throw new IOException("the input file is gone");
    return RequestBody.of(blobs.read(blobKey, r.offset(), r.length()));
  }

  /**
   * The tier a batch line answered by a real-time call of {@code backend} is bought at: a hosted API charges
   * its list price; capacity of the team's own is charged at the batch discount, an internal price.
   */
  private static Tier tierOf(Backend backend) {
    return backend.config().billing() == Billing.LIST ? Tier.STANDARD : Tier.BATCH;
  }

  /** A retry later while the backoff fits before the batch expires; else the line's result, priced. */
  private RequestUpdate settle(BatchRecord batch, ClaimedRequest r, Outcome outcome, boolean backendHealthy,
      Tier tier) {
    long now = clock.millis();
    Optional<Duration> delay = settings.retry().nextDelay(r.attempts(), outcome, backendHealthy);
    if (delay.isPresent() && delay.get().toMillis() < batch.expiresAt() - now) {
      return new RequestUpdate.Requeued(r.batchId(), r.line(), settings.nodeId(), now + delay.get().toMillis());
    }
    RequestUpdate.Finished result = Settlements.finalOutcome(r, settings.nodeId(), outcome, now);
    Usage u = result.usage();
    return result.priced(tier,
        settings.prices().cost(batch.model(), u.inputTokens(), u.cachedTokens(), u.outputTokens(), tier),
        settings.prices().cost(batch.model(), u.inputTokens(), u.cachedTokens(), u.outputTokens(), Tier.STANDARD));
  }
}
