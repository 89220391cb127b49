package dev.barge.batch;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * At most {@code limit} of one kind of heavy work (validations, dry runs, progress streams) per project at
 * once on this node, so one project cannot take every thread, core or database connection. A permit is
 * taken for one piece of work and closing it gives it back, once, however often it is closed.
 */
public final class ProjectPermits {
  private final int limit;
  private final Map<String, Semaphore> projects = new ConcurrentHashMap<>();

  public ProjectPermits(int limit) {
    this.limit = limit;
  }

  public int limit() {
    return limit;
  }

  /** A permit for {@code project}, or empty when it holds them all now. */
  public Optional<Permit> tryAcquire(String project) {
    Semaphore semaphore = projects.computeIfAbsent(project, p -> new Semaphore(limit));
    return semaphore.tryAcquire() ? Optional.of(new Permit(semaphore)) : Optional.empty();
  }

  /** One piece of work's share of its project's limit. */
  public static final class Permit implements AutoCloseable {
    private final Semaphore semaphore;
    private final AtomicBoolean open = new AtomicBoolean(true);

    private Permit(Semaphore semaphore) {
      this.semaphore = semaphore;
    }

    @Override
    public void close() {
      if (open.compareAndSet(true, false)) semaphore.release();
    }
  }
}
