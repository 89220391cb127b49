package dev.barge.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the outcomes of calls (batch lines, background responses) in groups, one transaction per group: one transaction per result would
 * cap throughput at the database's commit rate. An outcome not yet written when the process dies is
 * not lost: its lease runs out and the request is sent again. The queue is bounded: when the database
 * falls behind, calls wait here holding their slot, so dispatch slows to what the database can record
 * instead of piling results up in memory.
 */
final class ResultRecorder<T> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResultRecorder.class);
  private static final int GROUP = 500;
  /** Short, so that results held through an outage are written soon after it, before their leases run out. */
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

  private final Consumer<List<T>> write;
  private final Duration firstBackoff;
  private final LinkedBlockingQueue<T> queue = new LinkedBlockingQueue<>(4 * GROUP);
  private final Thread thread;
  private volatile boolean running = true;

  /**
   * @param write writes one group in one transaction (all or nothing)
   * @param firstBackoff the pause after a failed write, doubling up to 2 s while it keeps failing
   */
  ResultRecorder(Consumer<List<T>> write, Duration firstBackoff) {
    this.write = write;
    this.firstBackoff = firstBackoff;
    this.thread = Thread.ofPlatform().name("barge-recorder").daemon().start(this::run);
  }

  void add(T update) {
    try {
      queue.put(update);
    } catch (InterruptedException e) {
      // An aborted call (batch cancelled or expired): its result is not wanted, and the row's lease
      // makes sure nothing is lost if it was.
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    List<T> group = new ArrayList<>(GROUP);
    while (running || !queue.isEmpty()) {
      try {
        T first = queue.poll(20, TimeUnit.MILLISECONDS);
        if (first == null) continue;
        group.add(first);
        queue.drainTo(group, GROUP - 1);
        recordUntilWritten(group);
        group.clear();
      } catch (InterruptedException e) {
        log.error("stopped with {} results not recorded (the database kept failing); their requests are sent"
            + " again when their leases run out", group.size() + queue.size());
        return;
      }
    }
  }

  /**
   * A failed write is tried again until it succeeds: each result here is an upstream call already paid for,
   * and one given up would be paid again once its lease runs out. While this waits, the bounded queue fills
   * and dispatch pauses. Only {@link #close()} ends the wait, when the database still fails at shutdown.
   */
  private void recordUntilWritten(List<T> group) throws InterruptedException {
    Duration backoff = firstBackoff;
    for (int attempt = 1; ; attempt++) {
      try {
        write.accept(group);
        if (attempt > 1) log.info("recorded {} results at attempt {}", group.size(), attempt);
        return;
      } catch (RuntimeException e) {
        // Attempts 1, 2, 4, 8, …: a long outage logs a few lines, not one every pause.
        if (Integer.bitCount(attempt) == 1) {
          log.warn("could not record {} results (attempt {}), trying again in {} ms and until it works: {}",
              group.size(), attempt, backoff.toMillis(), e.toString());
        }
        Thread.sleep(backoff);
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      }
    }
  }

  /** Writes what is queued, then stops; if the database still fails after 10 s, gives up on what is left. */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(10_000);
      if (thread.isAlive()) {
        thread.interrupt();
        thread.join(1_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
