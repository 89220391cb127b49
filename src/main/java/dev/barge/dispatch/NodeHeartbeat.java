package dev.barge.dispatch;

import dev.barge.background.BackgroundLoop;
import dev.barge.store.NodeStore.LiveNodes;
import dev.barge.store.NodeStore;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's place among the nodes sharing the database: it beats every {@link #BEAT_EVERY}, and a
 * node silent for {@link #DEAD_AFTER} is dead, so the others take back its leases and its batches. Both
 * are measured on the database's clock (see {@link NodeStore}), not on the nodes' own.
 */
public final class NodeHeartbeat implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeHeartbeat.class);
  public static final Duration BEAT_EVERY = Duration.ofSeconds(2);
  /** Long enough that a GC pause or a slow disk does not declare a working node dead. */
  public static final Duration DEAD_AFTER = Duration.ofSeconds(10);

  private final NodeStore nodes;
  private final String nodeId;
  private final BackgroundLoop loop = new BackgroundLoop("barge-heartbeat", this::round);
  private volatile LiveNodes live;

  /** Registers the node before returning, so its first leases already belong to a live node. */
  public NodeHeartbeat(NodeStore nodes, String nodeId) {
    this.nodes = nodes;
    this.nodeId = nodeId;
    nodes.heartbeat(nodeId);
    live = nodes.alive(DEAD_AFTER);
    log.info("node {} joined; {} node(s) alive", nodeId, live.ids().size());
  }

  /** Beats every {@link #BEAT_EVERY} from now on. */
  public NodeHeartbeat start() {
    loop.start();
    return this;
  }

  private long round() {
    try {
      nodes.heartbeat(nodeId);
      LiveNodes now = nodes.alive(DEAD_AFTER);
      if (!now.ids().equals(live.ids())) log.info("{} node(s) alive", now.ids().size());
      live = now;
    } catch (RuntimeException e) {
      log.error("heartbeat of node {} failed: {}", nodeId, e.toString());
    }
    return BEAT_EVERY.toMillis();
  }

  /** The nodes alive at the last heartbeat. */
  public LiveNodes live() {
    return live;
  }

  /** Leaves the cluster: the others can take over at once instead of waiting for the silence. */
  @Override
  public void close() {
    loop.close();
    nodes.leave(nodeId, Duration.ofDays(1));
  }
}
