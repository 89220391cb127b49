package dev.barge.dispatch;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** A pause between rounds of a background loop that another thread can cut short when there is news. */
public final class Wakeup {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition signalled = lock.newCondition();

  public void signal() {
    lock.lock();
    try {
      signalled.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Waits up to {@code millis} or until {@link #signal()}; false when the thread was interrupted. */
  public boolean pause(long millis) {
    lock.lock();
    try {
      signalled.await(millis, TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }
}
