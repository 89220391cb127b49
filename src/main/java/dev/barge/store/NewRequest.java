package dev.barge.store;

/**
 * A validated input line: where its bytes are in the input file, and its response-cache key when it may be
 * answered from the cache (null otherwise).
 */
public record NewRequest(int line, String customId, long offset, int length, String cacheKey) {
  /** A line that is not answered from the response cache (nor answers later ones from it). */
  public NewRequest(int line, String customId, long offset, int length) {
    this(line, customId, offset, length, null);
  }
}
