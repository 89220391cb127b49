package dev.barge.batch.model;

/**
 * Whether a batch's lines may be answered from the response cache: never, only those whose answer does
 * not depend on chance ({@code cache: true}), or every one ({@code cache: "always"}).
 */
public enum CacheMode {
  OFF("off"),
  DETERMINISTIC("deterministic"),
  ALWAYS("always");

  private final String column;

  CacheMode(String column) {
    this.column = column;
  }

  public String column() {
    return column;
  }

  /** The mode stored in {@code batches.cache}; null (batches older than the cache) is {@link #OFF}. */
  public static CacheMode ofColumn(String value) {
    if (value == null) return OFF;
    for (CacheMode m : values()) if (m.column.equals(value)) return m;
    throw new IllegalArgumentException("unknown cache mode " + value);
  }
}
