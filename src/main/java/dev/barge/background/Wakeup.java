package dev.barge.background;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A pause between rounds of a background loop that another thread can cut short when there is news.
 * A signal sent while the loop is busy is kept, so the next pause ends at once instead of missing it.
 */
public final class Wakeup {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition signalled = lock.newCondition();
  private boolean pending;

  public void signal() {
    lock.lock();
    try {
      pending = true;
      signalled.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Waits up to {@code millis} or until {@link #signal()}; false when the thread was interrupted. */
  public boolean pause(long millis) {
    lock.lock();
    try {
      long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
      while (!pending && nanos > 0) nanos = signalled.awaitNanos(nanos);
      pending = false;
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }
}
