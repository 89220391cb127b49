package dev.barge.store;

import dev.barge.cost.Tier;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code project_spend} table: what each project spent per UTC day and tier, in picodollars. Batch
 * results add to it in the transaction that records them; synchronous requests add one row each.
 */
public final class SpendStore {
  private static final long DAY_MS = 86_400_000L;

  private final Database db;

  public SpendStore(Database db) {
    this.db = db;
  }

  /** One day's spend of a project in one tier. {@code day} counts days since 1970-01-01 (UTC). */
  public record DaySpend(long day, Tier tier, long requests, long cost, long listCost) {}

  public static long dayOf(long millis) {
    return Math.floorDiv(millis, DAY_MS);
  }

  /** Adds to a project's spend of {@code day} in {@code tier}. */
  public void add(String project, long day, Tier tier, long requests, long cost, long listCost) {
    db.write(c -> {
      add(c, project, day, tier, requests, cost, listCost);
      return null;
    });
  }

  static void add(Connection c, String project, long day, Tier tier, long requests, long cost, long listCost)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO project_spend (project, day, tier, requests, cost,"
        + " list_cost) VALUES (?,?,?,?,?,?) ON CONFLICT (project, day, tier) DO UPDATE SET"
        + " requests = project_spend.requests + excluded.requests, cost = project_spend.cost + excluded.cost,"
        + " list_cost = project_spend.list_cost + excluded.list_cost")) {
      ps.setString(1, project);
      ps.setLong(2, day);
      ps.setString(3, tier.wireName());
      ps.setLong(4, requests);
      ps.setLong(5, cost);
      ps.setLong(6, listCost);
      ps.executeUpdate();
    }
  }

  static String projectOf(Connection c, String batchId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT project FROM batches WHERE id = ?")) {
      ps.setString(1, batchId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) throw new SQLException("batch " + batchId + " does not exist");
        return rs.getString(1);
      }
    }
  }

  /** What each project spent on {@code day}, batches and synchronous requests together. */
  public Map<String, Long> spendOn(long day) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT project, SUM(cost) FROM project_spend WHERE day = ? GROUP BY project")) {
        ps.setLong(1, day);
        Map<String, Long> out = new HashMap<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
        }
        return out;
      }
    });
  }

  /** What {@code project} spent on {@code day}, batches and synchronous requests together. */
  public long spendOf(String project, long day) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT COALESCE(SUM(cost), 0) FROM project_spend WHERE project = ? AND day = ?")) {
        ps.setString(1, project);
        ps.setLong(2, day);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    });
  }

  /** A project's spend from {@code fromDay} on, oldest day first. */
  public List<DaySpend> of(String project, long fromDay) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT day, tier, requests, cost, list_cost FROM project_spend"
          + " WHERE project = ? AND day >= ? ORDER BY day, tier")) {
        ps.setString(1, project);
        ps.setLong(2, fromDay);
        List<DaySpend> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new DaySpend(rs.getLong(1), Tier.ofWireName(rs.getString(2)), rs.getLong(3), rs.getLong(4),
                rs.getLong(5)));
          }
        }
        return out;
      }
    });
  }
}
