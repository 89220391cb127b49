package dev.barge.dispatch;

import dev.barge.background.BackgroundLoop;
import dev.barge.store.NodeStore;
import dev.barge.store.ShareStore;
import dev.barge.store.ShareStore.Share;
import dev.barge.upstream.Backend;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node to its part of every backend's limits, shared with the other nodes by demand through the
 * database ({@link ShareStore}, {@link DemandShares}). Every {@link #RENEW_EVERY} it reports what each
 * gate wanted since the last time and takes the part that gives it: a node with no work for a backend
 * leaves its limits to the nodes that have some, and gets them back within a few seconds of new work.
 *
 * <p>If renewals fail for longer than a node may be silent before the others count it dead, this node
 * falls back to an equal part among the nodes it last saw alive: the others no longer count its part.
 */
final class ClusterShares implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterShares.class);
  static final Duration RENEW_EVERY = NodeHeartbeat.BEAT_EVERY;

  private final ShareStore store;
  private final String nodeId;
  private final Map<Backend, BackendGate> gates;
  private final Supplier<NodeStore.LiveNodes> liveNodes;
  private final Clock clock;
  private final BackgroundLoop loop = new BackgroundLoop("barge-shares", this::round);
  private long askedAt; // when the gates' demand was last read
  private long renewedAt;
  private boolean fallenBack;

  /** Takes this node's first shares before returning, so no claim runs on the whole of a shared limit. */
  ClusterShares(ShareStore store, String nodeId, Map<Backend, BackendGate> gates,
      Supplier<NodeStore.LiveNodes> liveNodes, Clock clock) {
    this.store = store;
    this.nodeId = nodeId;
    this.gates = gates;
    this.liveNodes = liveNodes;
    this.clock = clock;
    this.askedAt = clock.millis();
    renew();
  }

  /** Renews every {@link #RENEW_EVERY} from now on. */
  ClusterShares start() {
    loop.start();
    return this;
  }

  private long round() {
    try {
      renew();
    } catch (RuntimeException e) {
      log.error("could not renew this node's shares of the backends' limits: {}", e.toString());
      fallBackIfStale();
    }
    return RENEW_EVERY.toMillis();
  }

  private void renew() {
    long now = clock.millis();
    Map<String, Double> wants = new HashMap<>();
    gates.forEach((backend, gate) -> wants.put(backend.name(), gate.demandSinceLastAsked(Math.max(1, now - askedAt))));
    askedAt = now;
    Map<String, Share> own = store.renew(nodeId, NodeHeartbeat.DEAD_AFTER, others -> decide(wants, others));
    long applied = clock.millis();
    gates.forEach((backend, gate) -> gate.holdShare(own.get(backend.name()).held(), applied));
    renewedAt = now;
    if (fallenBack) log.info("shares of the backends' limits renewed again");
    fallenBack = false;
  }

  /** This node's part of each backend's limits, given what it wants and what the other live nodes hold and want. */
  static Map<String, Share> decide(Map<String, Double> wants, Map<String, List<Share>> others) {
    Map<String, Share> own = new HashMap<>();
    wants.forEach((backend, w) -> {
      List<Share> theirs = others.getOrDefault(backend, List.of());
      double target = DemandShares.target(w, theirs.stream().map(Share::wants).toList());
      own.put(backend, new Share(DemandShares.grant(target, theirs.stream().map(Share::held).toList()), w));
    });
    return own;
  }

  private void fallBackIfStale() {
    long now = clock.millis();
    if (fallenBack || now - renewedAt <= NodeHeartbeat.DEAD_AFTER.toMillis()) return;
    int nodes = Math.max(1, liveNodes.get().ids().size());
    log.warn("shares of the backends' limits not renewed for {} s: keeping to 1/{} of each", (now - renewedAt) / 1000,
        nodes);
    gates.values().forEach(gate -> gate.holdShare(1.0 / nodes, now));
    fallenBack = true;
  }

  /** Stops renewing and gives this node's shares back, so the others can take them at once. */
  @Override
  public void close() {
    loop.close();
    try {
      store.forget(nodeId);
    } catch (RuntimeException e) {
      log.warn("could not give back this node's shares of the backends' limits: {}", e.toString());
    }
  }
}
