package dev.barge.background;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named daemon thread that runs rounds of one job with a pause between them. Another thread may end a pause
 * early ({@link #wake()}); {@link #close()} stops the loop and waits for the round under way.
 *
 * <p>Nothing runs before {@link #start()}: an owner finishes its constructor before its loop can see it.
 */
public final class BackgroundLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackgroundLoop.class);
  /** How long a round that threw waits before the next: the cause (a database away, say) rarely goes at once. */
  private static final long AFTER_FAILURE_MS = 1_000;
  private static final Duration JOIN_AT_CLOSE = Duration.ofSeconds(5);

  /** One round of the loop's job. */
  @FunctionalInterface
  public interface Round {
    /** Does one round; answers how many milliseconds to pause before the next (0: go on at once). */
    long run();
  }

  private final String name;
  private final Round round;
  private final Wakeup wakeup = new Wakeup();
  private volatile boolean running = true;
  private Thread thread;

  public BackgroundLoop(String name, Round round) {
    this.name = name;
    this.round = round;
  }

  /** Starts the thread; the first round runs at once. */
  public synchronized BackgroundLoop start() {
    if (thread != null) throw new IllegalStateException(name + " is already started");
    thread = Thread.ofPlatform().name(name).daemon().start(this::loop);
    return this;
  }

  private void loop() {
    while (running) {
      long pause;
      try {
        pause = round.run();
      } catch (RuntimeException e) {
        log.error("{}: a round failed: {}", name, e.toString());
        pause = AFTER_FAILURE_MS;
      }
      if (!running || (pause > 0 && !wakeup.pause(pause))) return;
    }
  }

  /** Ends the current pause, or the next one if a round is under way. */
  public void wake() {
    wakeup.signal();
  }

  /** False once {@link #close()} was called: a long round checks this to stop early. */
  public boolean running() {
    return running;
  }

  /** Stops the loop and waits up to 5 s for the round under way to finish. */
  @Override
  public void close() {
    running = false;
    wakeup.signal();
    Thread started;
    synchronized (this) {
      started = thread;
    }
    if (started == null || started == Thread.currentThread()) return;
    try {
      started.join(JOIN_AT_CLOSE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
