package dev.barge.dispatch;

import dev.barge.store.RequestStore;
import dev.barge.store.RequestUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes request outcomes in groups, one transaction per group: one transaction per result would
 * cap throughput at the database's commit rate. An outcome not yet written when the process dies is
 * not lost: its lease runs out and the request is sent again. The queue is bounded: when the database
 * falls behind, calls wait here holding their slot, so dispatch slows to what the database can record
 * instead of piling results up in memory.
 */
final class ResultRecorder implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResultRecorder.class);
  private static final int GROUP = 500;
  private static final int ATTEMPTS = 5;

  private final RequestStore requests;
  private final LinkedBlockingQueue<RequestUpdate> queue = new LinkedBlockingQueue<>(4 * GROUP);
  private final Thread thread;
  private volatile boolean running = true;

  ResultRecorder(RequestStore requests) {
    this.requests = requests;
    this.thread = Thread.ofPlatform().name("barge-recorder").daemon().start(this::run);
  }

  void add(RequestUpdate update) {
    try {
      queue.put(update);
    } catch (InterruptedException e) {
      // An aborted call (batch cancelled or expired): its result is not wanted, and the row's lease
      // makes sure nothing is lost if it was.
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    List<RequestUpdate> group = new ArrayList<>(GROUP);
    while (running || !queue.isEmpty()) {
      try {
        RequestUpdate first = queue.poll(20, TimeUnit.MILLISECONDS);
        if (first == null) continue;
        group.add(first);
        queue.drainTo(group, GROUP - 1);
        recordWithRetries(group);
        group.clear();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * A failed write is tried again a few times: most failures pass (a deadlock the database broke, a
   * connection that dropped), and a group given up costs every request in it a second upstream call
   * after its lease runs out.
   */
  private void recordWithRetries(List<RequestUpdate> group) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        requests.record(group);
        return;
      } catch (RuntimeException e) {
        if (attempt == ATTEMPTS) {
          log.error("could not record {} results, giving up; their requests are sent again when their leases"
              + " run out: {}", group.size(), e.toString());
          return;
        }
        log.warn("could not record {} results (attempt {} of {}), trying again: {}", group.size(), attempt,
            ATTEMPTS, e.toString());
        Thread.sleep(100L << attempt);
      }
    }
  }

  /** Writes what is queued, then stops. */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
