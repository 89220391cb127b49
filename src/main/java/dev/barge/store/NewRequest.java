package dev.barge.store;

/**
 * A validated input line: where its bytes are in the input file, its response-cache key when it may be
 * answered from the cache (null otherwise), and its place in claim order ({@code claimRank}: lines are
 * claimed in rank order; a line's own number when nothing ranks it otherwise).
 */
public record NewRequest(int line, String customId, long offset, int length, String cacheKey, long claimRank) {
  /** A line claimed in line order, not answered from the response cache (nor answering later ones from it). */
  public NewRequest(int line, String customId, long offset, int length) {
    this(line, customId, offset, length, null, line);
  }
}
