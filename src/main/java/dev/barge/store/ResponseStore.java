package dev.barge.store;

import dev.barge.cost.Usage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Background responses: created queued, leased by a node for each call, settled once (or queued again for a
 * retry), cancelled, deleted. A row leased by a node that died comes back when its lease runs out.
 */
public final class ResponseStore {
  private static final String COLUMNS = "id, project, model, request, status, created_at, started_at, ended_at,"
      + " result, error_code, error_message";

  private final Database db;

  public ResponseStore(Database db) {
    this.db = db;
  }

  /**
   * Saves a new queued response, on the disk before this returns (the caller is told it is accepted). Its
   * turn comes after the ones its project has in the model's queue, and not before the front of that queue.
   */
  public void insert(String id, String project, String model, String request, long now) {
    db.writeDurable(c -> {
      long turn = Math.max(Math.max(lastTurn(c, model, project, "waiting"), lastTurn(c, model, project, "leased")) + 1,
          front(c, model));
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO responses (id, project, model, request, status,"
          + " state, turn, created_at) VALUES (?,?,?,?,'queued','waiting',?,?)")) {
        ps.setString(1, id);
        ps.setString(2, project);
        ps.setString(3, model);
        ps.setString(4, request);
        ps.setLong(5, turn);
        ps.setLong(6, now);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** The highest turn of {@code project}'s rows for {@code model} in {@code state}; -1 when it has none. */
  private static long lastTurn(Connection c, String model, String project, String state) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT MAX(turn) FROM responses WHERE model = ? AND project = ?"
        + " AND state = ?")) {
      ps.setString(1, model);
      ps.setString(2, project);
      ps.setString(3, state);
      return single(ps, -1);
    }
  }

  /** The turn of the next response for {@code model} to be claimed; 0 when none waits. */
  private static long front(Connection c, String model) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT MIN(turn) FROM responses WHERE model = ?"
        + " AND state = 'waiting'")) {
      ps.setString(1, model);
      return single(ps, 0);
    }
  }

  private static long single(PreparedStatement ps, long ifNull) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      Long value = Rows.nullableLong(rs, 1);
      return value == null ? ifNull : value;
    }
  }

  public Optional<ResponseRow> find(String project, String id) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM responses WHERE id = ? AND project = ?")) {
        ps.setString(1, id);
        ps.setString(2, project);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) return Optional.empty();
          return Optional.of(new ResponseRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
              rs.getString(5), rs.getLong(6), Rows.nullableLong(rs, 7), Rows.nullableLong(rs, 8), rs.getString(9),
              rs.getString(10), rs.getString(11)));
        }
      }
    });
  }

  /**
   * Leases up to {@code limit} due responses of {@code models} for a call each, in turn order; each is
   * {@code in_progress} from its first claim on. The lease runs for {@code lease} on the database's clock.
   */
  public List<ClaimedResponse> claim(List<String> models, int limit, long now, String owner, Duration lease) {
    if (models.isEmpty() || limit <= 0) return List.of();
    return db.writeLeased(c -> {
      try (PreparedStatement ps = c.prepareStatement("WITH picked AS (SELECT id FROM responses WHERE state = 'waiting'"
          + " AND next_attempt_at <= ? AND model IN (" + String.join(",", Collections.nCopies(models.size(), "?"))
          + ") ORDER BY turn, created_at LIMIT ?" + db.dialect().skipLocked + ")"
          + " UPDATE responses SET state = 'leased', status = 'in_progress', started_at = COALESCE(started_at, ?),"
          + " attempts = attempts + 1, lease_owner = ?, lease_until = " + db.dialect().nowMillis + " + ?"
          + " FROM picked WHERE responses.id = picked.id"
          + " RETURNING responses.id, responses.project, responses.model, responses.request, responses.attempts")) {
        int i = 1;
        ps.setLong(i++, now);
        for (String model : models) ps.setString(i++, model);
        ps.setInt(i++, limit);
        ps.setLong(i++, now);
        ps.setString(i++, owner);
        ps.setLong(i, lease.toMillis());
        List<ClaimedResponse> claimed = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            claimed.add(new ClaimedResponse(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                rs.getInt(5)));
          }
        }
        return claimed;
      }
    });
  }

  /**
   * Applies {@code updates} in one transaction, each only while its row is still leased by its owner (a
   * response cancelled meanwhile keeps its end). An ended response gets its webhook event in the same
   * transaction; its price adds to its project's spend even when the response was cancelled meanwhile (the
   * backend was paid all the same). Returns the ids that changed.
   */
  public List<String> record(List<ResponseUpdate> updates) {
    return db.write(c -> {
      List<String> changed = new ArrayList<>();
      for (ResponseUpdate update : updates) {
        boolean applied = switch (update) {
          case ResponseUpdate.Finished f -> finish(c, f);
          case ResponseUpdate.Requeued r -> requeue(c, r);
        };
        if (applied) changed.add(update.id());
      }
      return changed;
    });
  }

  private static boolean finish(Connection c, ResponseUpdate.Finished f) throws SQLException {
    Usage u = f.usage();
    boolean applied;
    try (PreparedStatement ps = c.prepareStatement("UPDATE responses SET state = 'ended', status = ?, ended_at = ?,"
        + " result = ?, error_code = ?, error_message = ?, input_tokens = ?, output_tokens = ?, cost = ?,"
        + " lease_owner = NULL, lease_until = NULL WHERE id = ? AND state = 'leased' AND lease_owner = ?")) {
      ps.setString(1, f.status());
      ps.setLong(2, f.endedAt());
      ps.setString(3, f.result());
      ps.setString(4, f.errorCode());
      ps.setString(5, f.errorMessage());
      ps.setLong(6, u.inputTokens());
      ps.setLong(7, u.outputTokens());
      ps.setLong(8, f.cost());
      ps.setString(9, f.id());
      ps.setString(10, f.leaseOwner());
      applied = ps.executeUpdate() == 1;
    }
    if (applied) WebhookStore.recordResponseEnd(c, f.id(), f.project(), f.status(), f.endedAt());
    if (u.totalTokens() > 0) {
      SpendStore.add(c, f.project(), SpendStore.dayOf(f.endedAt()), f.tier(), 1, f.cost(), f.listCost());
    }
    return applied;
  }

  private static boolean requeue(Connection c, ResponseUpdate.Requeued r) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE responses SET state = 'waiting', next_attempt_at = ?,"
        + " lease_owner = NULL, lease_until = NULL WHERE id = ? AND state = 'leased' AND lease_owner = ?")) {
      ps.setLong(1, r.nextAttemptAt());
      ps.setString(2, r.id());
      ps.setString(3, r.leaseOwner());
      return ps.executeUpdate() == 1;
    }
  }

  /**
   * Cancels a response that has not ended, with its webhook event, durably. False when it had ended
   * already (or does not exist): then nothing changes.
   */
  public boolean cancel(String project, String id, long now) {
    return db.writeDurable(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE responses SET state = 'ended', status = 'cancelled',"
          + " ended_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ? AND project = ? AND state <> 'ended'")) {
        ps.setLong(1, now);
        ps.setString(2, id);
        ps.setString(3, project);
        if (ps.executeUpdate() == 0) return false;
      }
      WebhookStore.recordResponseEnd(c, id, project, "cancelled", now);
      return true;
    });
  }

  /** Deletes a response; a running one is cancelled by it (its result has nowhere to go). False when there is none. */
  public boolean delete(String project, String id) {
    return db.writeDurable(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM responses WHERE id = ? AND project = ?")) {
        ps.setString(1, id);
        ps.setString(2, project);
        return ps.executeUpdate() == 1;
      }
    });
  }

  /** Deletes up to {@code limit} responses that ended before {@code before}; returns how many went. */
  public int deleteEndedBefore(long before, int limit) {
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM responses WHERE id IN (SELECT id FROM responses"
          + " WHERE ended_at < ? ORDER BY ended_at LIMIT ?)")) {
        ps.setLong(1, before);
        ps.setInt(2, limit);
        return ps.executeUpdate();
      }
    });
  }

  /** Puts responses whose lease ran out by the database's clock (their node died) back in the queue. */
  public int releaseExpiredLeases() {
    return release(" AND lease_until < " + db.dialect().nowMillis);
  }

  /**
   * Puts responses leased by nodes that stopped heartbeating (no beat since {@code aliveSince}) back in the
   * queue, without waiting for their leases to run out.
   */
  public int releaseLeasesOfDeadNodes(long aliveSince) {
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE responses SET state = 'waiting', lease_owner = NULL,"
          + " lease_until = NULL WHERE state = 'leased' AND NOT EXISTS (SELECT 1 FROM nodes"
          + " WHERE nodes.id = responses.lease_owner AND nodes.heartbeat_at >= ?)")) {
        ps.setLong(1, aliveSince);
        return ps.executeUpdate();
      }
    });
  }

  /** Puts every leased response back in the queue: its lease belongs to a process that is gone. */
  public int releaseAllLeases() {
    return release("");
  }

  private int release(String condition) {
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE responses SET state = 'waiting', lease_owner = NULL,"
          + " lease_until = NULL WHERE state = 'leased'" + condition)) {
        return ps.executeUpdate();
      }
    });
  }
}
