package dev.barge.batch;

import dev.barge.background.BackgroundLoop;
import dev.barge.batch.model.BatchRecord;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latest state of the batches that progress streams watch ({@code GET /v1/batches/{id}/events}). One
 * thread reads each watched batch once per round (every 500 ms), however many streams watch it, and every
 * stream of the batch gets that one copy: the database sees one read per watched batch per round, not one per
 * stream. A project holds at most {@code batch.max_event_streams_per_project} streams at once.
 */
public final class BatchFeed implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BatchFeed.class);
  static final long ROUND_MS = 500;
  /** A stream asked away waits this long before it tries again: streams last minutes, so soon is pointless. */
  private static final Duration STREAM_RETRY = Duration.ofSeconds(5);

  private final Function<String, Optional<BatchRecord>> read;
  private final ProjectPermits streams;
  private final Map<String, Watched> watched = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition polled = lock.newCondition();
  private final BackgroundLoop loop = new BackgroundLoop("barge-batch-feed", this::round);
  private boolean failing;

  /** @param read the batch as stored now, empty when it is gone */
  public BatchFeed(Function<String, Optional<BatchRecord>> read, ProjectPermits streams) {
    this.read = read;
    this.streams = streams;
  }

  public BatchFeed start() {
    loop.start();
    return this;
  }

  /** One batch being watched, with its latest state and how many polls of it there were. */
  private static final class Watched {
    final String id;
    volatile BatchRecord latest;
    volatile long rounds;
    int watchers; // changed only inside the map's compute, which serializes it

    Watched(BatchRecord batch) {
      this.id = batch.id();
      this.latest = batch;
    }
  }

  /**
   * Starts watching {@code batch} (already read, and checked to belong to {@code project}).
   *
   * @throws TooManyRequestsException when the project has all the streams it may have open
   */
  Watch watch(String project, BatchRecord batch) {
    ProjectPermits.Permit permit = streams.tryAcquire(project).orElseThrow(() -> new TooManyRequestsException(
        "Project " + project + " already has " + streams.limit() + " progress streams open"
            + " (batch.max_event_streams_per_project); close one, or poll GET /v1/batches/" + batch.id() + ".",
        STREAM_RETRY));
    Watched w = watched.compute(batch.id(), (id, old) -> {
      Watched now = old == null ? new Watched(batch) : old;
      now.watchers++;
      return now;
    });
    return new Watch(w, permit);
  }

  /** One stream's view of a watched batch; closing it ends the watch and frees the project's slot. */
  public final class Watch implements AutoCloseable {
    private final Watched batch;
    private final ProjectPermits.Permit permit;
    private long seenRounds;
    private boolean closed;

    private Watch(Watched batch, ProjectPermits.Permit permit) {
      this.batch = batch;
      this.permit = permit;
      this.seenRounds = batch.rounds;
    }

    /** The batch as last read. */
    public BatchRecord latest() {
      return batch.latest;
    }

    /** Waits for the next read of the batch (at most two rounds' time), then returns it as read. */
    public BatchRecord next() throws InterruptedException {
      long nanos = TimeUnit.MILLISECONDS.toNanos(2 * ROUND_MS);
      lock.lock();
      try {
        while (batch.rounds == seenRounds && nanos > 0) nanos = polled.awaitNanos(nanos);
      } finally {
        lock.unlock();
      }
      seenRounds = batch.rounds;
      return batch.latest;
    }

    @Override
    public void close() {
      if (closed) return;
      closed = true;
      watched.computeIfPresent(batch.id, (id, w) -> --w.watchers == 0 ? null : w);
      permit.close();
    }
  }

  private long round() {
    pollOnce();
    return ROUND_MS;
  }

  /** Reads every watched batch once and wakes the streams waiting for it. */
  void pollOnce() {
    for (Watched w : watched.values()) {
      try {
        read.apply(w.id).ifPresent(b -> w.latest = b);
        if (failing) log.info("progress streams read their batches again");
        failing = false;
      } catch (RuntimeException e) {
        // Streams keep what they have and go on waiting; the next round tries again.
        if (!failing) log.warn("progress streams could not read batch {}: {}", w.id, e.toString());
        failing = true;
      }
      w.rounds++;
    }
    lock.lock();
    try {
      polled.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    loop.close();
  }
}
