package dev.barge.responses;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Wakes those following a background response when this node changes it (its call started or ended, it
 * was cancelled). Changes made on other nodes are seen by looking again after a while.
 */
public final class ResponseChanges {
  private final ConcurrentHashMap<String, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();

  /** The next change of {@code id}: taken before reading the response, so no change between is missed. */
  Next next(String id) {
    return new Next(waiting.computeIfAbsent(id, k -> new CompletableFuture<>()));
  }

  /** The responses {@code ids} changed. */
  public void changed(Collection<String> ids) {
    for (String id : ids) {
      CompletableFuture<Void> next = waiting.remove(id);
      if (next != null) next.complete(null);
    }
  }

  /** A change to wait for. */
  record Next(CompletableFuture<Void> future) {
    /** Waits up to {@code millis} for it; false when it did not come in time. */
    boolean await(long millis) throws InterruptedException {
      try {
        future.get(millis, TimeUnit.MILLISECONDS);
        return true;
      } catch (TimeoutException e) {
        return false;
      } catch (java.util.concurrent.ExecutionException e) {
        return true; // never completed exceptionally; treat as a change and read again
      }
    }
  }
}
