package dev.barge.batch;

import dev.barge.store.IdempotencyStore;
import java.time.Clock;
import java.util.Optional;

/**
 * The {@code Idempotency-Key}s of create requests: what an earlier request with a key created, within
 * {@link IdempotencyStore#KEEP}. A key is claimed in the transaction that creates its object (see the
 * {@code create} methods that take one), so this lookup is only the fast path of a retry.
 */
public final class IdempotencyKeys {
  private final IdempotencyStore store;
  private final Clock clock;

  public IdempotencyKeys(IdempotencyStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  public Optional<IdempotencyStore.Use> find(String project, String key) {
    return store.find(project, key, clock.millis());
  }

  /** Deletes the keys past their time; how many went. */
  int prune() {
    return store.prune(clock.millis());
  }
}
