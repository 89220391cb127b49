package dev.barge.responses;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Wakes those following a background response when this node changes it (its call started or ended, it
 * was cancelled). Changes made on other nodes are seen by looking again after a while.
 */
public final class ResponseChanges {
  private final ConcurrentHashMap<String, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();

  /**
   * The next change of {@code id}: taken before reading the response, so no change between is missed. A
   * follower that stops waiting calls {@link #forget}.
   */
  Next next(String id) {
    return new Next(id, waiting.computeIfAbsent(id, k -> new CompletableFuture<>()));
  }

  /** The follower of {@code next} waits no more: unless others wait for it too, the entry goes. */
  void forget(Next next) {
    // Another follower of the same response may still wait on it: it then reads the response again at
    // its next look, at most a second later, instead of being woken.
    waiting.remove(next.id(), next.future());
  }

  /** The responses {@code ids} changed. */
  public void changed(Collection<String> ids) {
    for (String id : ids) {
      CompletableFuture<Void> next = waiting.remove(id);
      if (next != null) next.complete(null);
    }
  }

  /** A change to wait for. */
  record Next(String id, CompletableFuture<Void> future) {
    /** Waits up to {@code millis} for it; false when it did not come in time. */
    boolean await(long millis) throws InterruptedException {
      try {
        future.get(millis, TimeUnit.MILLISECONDS);
        return true;
      } catch (TimeoutException e) {
        return false;
      } catch (ExecutionException e) {
        return true; // never completed exceptionally; treat as a change and read again
      }
    }
  }
}
