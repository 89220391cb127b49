package dev.barge.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code upstream_jobs} table: provider batch jobs, recorded before they are created upstream, and which
 * batches had lines in each. The lines of a job are leased to its id, which starts with {@link #ID_PREFIX}.
 */
public final class UpstreamJobStore {
  /** What every job id starts with, so that a lease held by a job is told from one held by a node. */
  public static final String ID_PREFIX = "ujob_";

  private static final String COLUMNS = "id, backend, endpoint, state, provider_id, provider_status, total,"
      + " completed, failed, failure, result_refs, memo, worker, created_at, next_poll_at";

  private final Database db;

  public UpstreamJobStore(Database db) {
    this.db = db;
  }

  /**
   * Records a job about to be filled and created upstream, durably: it must outlive a crash. It is not
   * looked at again before {@code lookAgainAt} unless its node dies (a node taking it over looks at once).
   */
  public void insertCreating(String id, String backend, String endpoint, String worker, long now, long lookAgainAt) {
    db.writeDurable(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO upstream_jobs (id, backend, endpoint, state,"
          + " worker, created_at, next_poll_at) VALUES (?,?,?,'creating',?,?,?)")) {
        ps.setString(1, id);
        ps.setString(2, backend);
        ps.setString(3, endpoint);
        ps.setString(4, worker);
        ps.setLong(5, now);
        ps.setLong(6, lookAgainAt);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** Records how many lines of each batch went into the job, and its total. */
  public void filled(String id, List<BatchShare> shares) {
    db.writeDurable(c -> {
      long total = 0;
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO upstream_job_batches (job_id, batch_id, requests) VALUES (?,?,?)")) {
        for (BatchShare s : shares) {
          ps.setString(1, id);
          ps.setString(2, s.batchId());
          ps.setLong(3, s.requests());
          ps.addBatch();
          total += s.requests();
        }
        ps.executeBatch();
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE upstream_jobs SET total = ? WHERE id = ?")) {
        ps.setLong(1, total);
        ps.setString(2, id);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** How many lines of one batch a job holds. */
  public record BatchShare(String batchId, long requests) {}

  /**
   * The job now exists upstream as {@code providerId}, with the client's {@code memo} for reading its results
   * (null when unknown: a job found again after a crash); it is polled from {@code nextPollAt}.
   */
  public void created(String id, String providerId, String memo, long nextPollAt) {
    db.writeDurable(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE upstream_jobs SET provider_id = ?, state = 'running',"
          + " provider_status = COALESCE(provider_status, 'created'), memo = ?, next_poll_at = ? WHERE id = ?")) {
        ps.setString(1, providerId);
        ps.setString(2, memo);
        ps.setLong(3, nextPollAt);
        ps.setString(4, id);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** What the provider last said of a job, and what Barge does with it next. */
  public record Seen(UpstreamJob.State state, String providerStatus, long total, long completed, long failed,
      String failure, String resultRefs, long nextPollAt, Long endedAt) {}

  public void seen(String id, Seen seen) {
    db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE upstream_jobs SET state = ?, provider_status = ?,"
          + " total = CASE WHEN ? > 0 THEN ? ELSE total END, completed = ?, failed = ?, failure = ?,"
          + " result_refs = ?, next_poll_at = ?, ended_at = ? WHERE id = ?")) {
        ps.setString(1, seen.state().column());
        ps.setString(2, seen.providerStatus());
        ps.setLong(3, seen.total());
        ps.setLong(4, seen.total());
        ps.setLong(5, seen.completed());
        ps.setLong(6, seen.failed());
        ps.setString(7, seen.failure());
        ps.setString(8, seen.resultRefs());
        ps.setLong(9, seen.nextPollAt());
        Rows.setNullableLong(ps, 10, seen.endedAt());
        ps.setString(11, id);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** The unfinished jobs of {@code backend} that {@code worker} looks after and that are due a look. */
  public List<UpstreamJob> due(String backend, String worker, long now) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM upstream_jobs WHERE state <> 'done'"
          + " AND next_poll_at <= ? AND backend = ? AND worker = ? ORDER BY next_poll_at")) {
        ps.setLong(1, now);
        ps.setString(2, backend);
        ps.setString(3, worker);
        return list(ps);
      }
    });
  }

  /**
   * Takes over the unfinished jobs of nodes that stopped heartbeating (none since {@code aliveSince}, the
   * database's time), or of every other node when {@code aliveSince} is null (a single node restarting).
   */
  public int adoptOrphans(String worker, Long aliveSince) {
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE upstream_jobs SET worker = ?, next_poll_at = 0"
          + " WHERE state <> 'done' AND worker <> ?" + (aliveSince == null ? ""
              : " AND NOT EXISTS (SELECT 1 FROM nodes WHERE nodes.id = upstream_jobs.worker"
                  + " AND nodes.heartbeat_at >= ?)"))) {
        ps.setString(1, worker);
        ps.setString(2, worker);
        if (aliveSince != null) ps.setLong(3, aliveSince);
        return ps.executeUpdate();
      }
    });
  }

  /** The jobs that held lines of a batch, oldest first, with the lines of it each held. */
  public List<BatchJob> forBatch(String batchId) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT j.backend, j.provider_id, j.state, j.provider_status,"
          + " j.total, j.completed, j.failed, b.requests FROM upstream_job_batches b JOIN upstream_jobs j"
          + " ON j.id = b.job_id WHERE b.batch_id = ? ORDER BY j.created_at, j.id")) {
        ps.setString(1, batchId);
        List<BatchJob> jobs = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            jobs.add(new BatchJob(rs.getString(1), rs.getString(2), UpstreamJob.State.ofColumn(rs.getString(3)),
                rs.getString(4), rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8)));
          }
        }
        return jobs;
      }
    });
  }

  /** A job as a batch shows it: the provider's id and status and counts, and how many of its lines were the batch's. */
  public record BatchJob(String backend, String providerId, UpstreamJob.State state, String providerStatus,
      long total, long completed, long failed, long batchRequests) {}

  /** The provider's ids of the jobs on {@code backend} recorded from {@code since} (Unix ms) on and created upstream. */
  public Set<String> providerIdsSince(String backend, long since) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT provider_id FROM upstream_jobs WHERE backend = ?"
          + " AND created_at >= ? AND provider_id IS NOT NULL")) {
        ps.setString(1, backend);
        ps.setLong(2, since);
        Set<String> ids = new HashSet<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) ids.add(rs.getString(1));
        }
        return ids;
      }
    });
  }

  /** Every job ever recorded for {@code backend}, as a count per state (for metrics and tests). */
  public long count(String backend, UpstreamJob.State state) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT COUNT(*) FROM upstream_jobs WHERE backend = ? AND state = ?")) {
        ps.setString(1, backend);
        ps.setString(2, state.column());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    });
  }

  private static List<UpstreamJob> list(PreparedStatement ps) throws SQLException {
    List<UpstreamJob> jobs = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        jobs.add(new UpstreamJob(rs.getString(1), rs.getString(2), rs.getString(3),
            UpstreamJob.State.ofColumn(rs.getString(4)), rs.getString(5), rs.getString(6), rs.getLong(7),
            rs.getLong(8), rs.getLong(9), rs.getString(10), rs.getString(11), rs.getString(12), rs.getString(13),
            rs.getLong(14), rs.getLong(15)));
      }
    }
    return jobs;
  }
}
