package dev.barge.cost;

import java.util.Locale;

/** Which budget stopped dispatch from taking a batch's work. */
public enum StopReason {
  /** The batch's own budget ({@code max_cost_usd}). */
  BATCH_BUDGET,
  /** Its project's daily budget. */
  PROJECT_BUDGET;

  /** The name stored and shown ({@code stopped_by}): {@code batch_budget}, {@code project_budget}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The reason stored as {@code name}; null for null (not stopped). */
  public static StopReason ofWireName(String name) {
    return name == null ? null : valueOf(name.toUpperCase(Locale.ROOT));
  }
}
