package dev.barge.dispatch;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The synchronous calls of one backend: those waiting for a slot, per priority, and those in flight.
 * Synchronous calls come before batch work, but hold at most their share of the concurrency limit
 * ({@code server.max_sync_share}), so batch work keeps the rest even beside a synchronous load that would
 * take every slot.
 *
 * <p>Synchronisation: the counts are atomics, read without a lock at the end of every batch call; the lock
 * serialises synchronous starts and carries the condition their callers wait on.
 */
final class SyncQueue {
  private final AtomicInteger interactiveWaiting = new AtomicInteger();
  private final AtomicInteger flexWaiting = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final SyncDemand demand = new SyncDemand();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition slotFreed = lock.newCondition();
  private final double maxShare;

  /** A caller's place among those waiting; closing it leaves the queue. */
  interface Place extends AutoCloseable {
    @Override
    void close();
  }

  /** @param maxShare the most of the concurrency limit synchronous calls may hold at once */
  SyncQueue(double maxShare) {
    this.maxShare = maxShare;
  }

  /** The most slots synchronous calls may hold under concurrency limit {@code limit}: their share, one at least. */
  int slots(int limit) {
    return Math.max(1, (int) (limit * maxShare));
  }

  /**
   * Whether batch work must claim nothing now: a synchronous call waits for a slot it may take. So the slots
   * of finishing batch calls go to it within one call's time. Once its call has started it no longer holds
   * batch work back.
   */
  boolean holdsBackBatch(int limit) {
    return anyWaiting() && inFlight.get() < slots(limit);
  }

  /** Slots batch work leaves free for the synchronous calls seen lately, so they find one without waiting. */
  int reserved(int limit, long now) {
    return Math.min(slots(limit), Math.max(demand.reserve(now), inFlight.get()));
  }

  /** Synchronous calls in flight. */
  int inFlight() {
    return inFlight.get();
  }

  /** Synchronous requests of {@code priority} waiting for a slot. */
  int waiting(Priority priority) {
    return counter(priority).get();
  }

  /** The caller waits for a slot here until it closes its place: meanwhile batch work claims nothing. */
  Place enter(Priority priority) {
    AtomicInteger waiting = counter(priority);
    waiting.incrementAndGet();
    return waiting::decrementAndGet;
  }

  /**
   * Starts a synchronous call if one of {@code priority} may start now under concurrency limit
   * {@code limit}: within the synchronous share, for flex no interactive call waiting, and {@code takeSlot}
   * (the backend's own checks, which take its slot when they pass) agrees.
   */
  boolean tryStart(Priority priority, int limit, long now, BooleanSupplier takeSlot) {
    lock.lock();
    try {
      if (priority == Priority.FLEX && interactiveWaiting.get() > 0) return false;
      if (inFlight.get() >= slots(limit) || !takeSlot.getAsBoolean()) return false;
      demand.saw(inFlight.incrementAndGet(), now);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** A synchronous call that {@link #tryStart} began has ended. */
  void ended() {
    inFlight.decrementAndGet();
  }

  /** A call of the backend (batch or synchronous) ended: wakes the callers waiting for a slot, if any. */
  void slotFreed() {
    if (!anyWaiting()) return;
    lock.lock();
    try {
      slotFreed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Waits until a call of the backend ends, or at most {@code maxMillis}. */
  void awaitSlot(long maxMillis) throws InterruptedException {
    lock.lock();
    try {
      slotFreed.await(maxMillis, TimeUnit.MILLISECONDS);
    } finally {
      lock.unlock();
    }
  }

  private boolean anyWaiting() {
    return interactiveWaiting.get() > 0 || flexWaiting.get() > 0;
  }

  private AtomicInteger counter(Priority priority) {
    return priority == Priority.FLEX ? flexWaiting : interactiveWaiting;
  }
}
