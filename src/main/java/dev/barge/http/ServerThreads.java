package dev.barge.http;

import java.util.concurrent.Executors;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ThreadPool;

/**
 * Threads of Barge's HTTP servers (the API and the simulator): Jetty's acceptors and selectors on platform
 * threads, each request handled on a virtual thread of its own. Javalin's {@code useVirtualThreads} runs
 * the selectors on virtual threads too, where their blocking select ties up the few carrier threads:
 * measured with wrk against the simulator answering after 5 ms, 64 connections got 856 requests/s
 * instead of the 12,000 the latency allows.
 */
public final class ServerThreads {
  private ServerThreads() {}

  /** A pool for one server; {@code name} prefixes its platform threads. */
  public static ThreadPool pool(String name) {
    QueuedThreadPool pool = new QueuedThreadPool();
    pool.setName(name);
    pool.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(name + "-", 0).factory()));
    return pool;
  }
}
