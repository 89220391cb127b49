package dev.barge.cost;

import java.util.Locale;

/** The price a request is charged at: the backend's real-time price, or one of the discounted tiers. */
public enum Tier {
  STANDARD, FLEX, BATCH;

  /** The name stored and shown: {@code standard}, {@code flex}, {@code batch}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Tier ofWireName(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
