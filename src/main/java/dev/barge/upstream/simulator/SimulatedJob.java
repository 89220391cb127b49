package dev.barge.upstream.simulator;

import dev.barge.upstream.Endpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * One provider batch job of the simulator, as either API shows it: its requests (a JSONL file, one {@code
 * {"custom_id", <bodyKey>: body}} a line) and where it is in its life. Thread-safe.
 *
 * @param <D> what the API keeps of the job besides (its endpoint, metadata, file ids)
 */
final class SimulatedJob<D> {
  enum State { RUNNING, CANCELLING, FINALIZING, ENDED }

  /** How the requests ended: answered 2xx, answered otherwise, expired, cancelled. */
  record Tally(long succeeded, long errored, long expired, long cancelled) {}

  /** The job's end: its results, or {@code failed} with none (the job failed as a whole). */
  record Ended(Instant at, Tally tally, ResultFiles.Written files, boolean failed) {}

  /** The job as it stands at one moment. */
  record View(State state, Instant cancelledAt, Instant finalizingAt, Ended ended) {}

  final String id;
  final Instant createdAt;
  final long total;
  final Path requests;
  final String bodyKey;
  final Endpoint endpoint;
  final D details;
  private State state = State.RUNNING;
  private Instant cancelledAt;
  private Instant finalizingAt;
  private double doneShare = 1;
  private Ended ended;

  SimulatedJob(String id, Instant createdAt, long total, Path requests, String bodyKey, Endpoint endpoint, D details) {
    this.id = id;
    this.createdAt = createdAt;
    this.total = total;
    this.requests = requests;
    this.bodyKey = bodyKey;
    this.endpoint = endpoint;
    this.details = details;
  }

  synchronized View view() {
    return new View(state, cancelledAt, finalizingAt, ended);
  }

  /**
   * Asks to cancel: the share of the requests done by now, against {@code completeAfter}, is what it
   * finishes. False when it is past cancelling (finalizing or ended); asking twice changes nothing.
   */
  synchronized boolean cancel(Instant now, Duration completeAfter) {
    if (state == State.CANCELLING) return true;
    if (state != State.RUNNING) return false;
    state = State.CANCELLING;
    cancelledAt = now;
    doneShare = Math.min(1.0, (double) Duration.between(createdAt, now).toMillis() / completeAfter.toMillis());
    return true;
  }

  /** Starts writing the results, unless that already began; returns the share of requests done. */
  synchronized Double startFinalizing(Instant now) {
    if (state != State.RUNNING && state != State.CANCELLING) return null;
    state = State.FINALIZING;
    finalizingAt = now;
    return doneShare;
  }

  synchronized boolean cancelled() {
    return cancelledAt != null;
  }

  synchronized void end(Ended ended) {
    this.ended = ended;
    state = State.ENDED;
  }
}
