package dev.barge.store;

import dev.barge.cost.Tier;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.EnumMap;
import java.util.Map;

/** Reads the {@code batch_tiers} table: each batch's results per tier they were bought at (written by {@link BatchCounters}). */
public final class BatchTiers {
  private final Database db;

  public BatchTiers(Database db) {
    this.db = db;
  }

  /** Requests and cost (picodollars) of one tier. */
  public record TierTotal(long requests, long cost) {}

  /** The tiers a batch's results were bought at so far, in the enum's order. */
  public Map<Tier, TierTotal> of(String batchId) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT tier, requests, cost FROM batch_tiers WHERE batch_id = ?")) {
        ps.setString(1, batchId);
        Map<Tier, TierTotal> tiers = new EnumMap<>(Tier.class);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) tiers.put(Tier.ofWireName(rs.getString(1)), new TierTotal(rs.getLong(2), rs.getLong(3)));
        }
        return tiers;
      }
    });
  }
}
