package dev.barge.batch;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The custom_ids of one input file, each with the line it was first seen on, in about 12 bytes per
 * entry at 1,000,000 lines (a {@code HashMap<String,Integer>} takes 100 and more): an open-addressing
 * table from a 64-bit hash of the custom_id to its line number.
 *
 * <p>Only hashes are kept, so two different custom_ids with the same 64-bit hash would be taken for
 * a duplicate. Among n distinct ids that happens with probability about n²/2⁶⁵: 3·10⁻⁸ for a
 * 1,000,000-line file. We accept that rather than keep every id: the cost of such a miss is one
 * batch failed with a {@code duplicate_custom_id} that names an earlier line with a different id,
 * and because the hash is seeded at random per validation, creating the batch again does not
 * collide again. (Someone could craft colliding ids on purpose; the only batch that harms is theirs.)
 */
final class CustomIdIndex {
  private static final double MAX_LOAD = 0.6;

  private final long seed = ThreadLocalRandom.current().nextLong();
  private long[] hashes = new long[1 << 12]; // 0 marks a free slot
  private int[] lines = new int[1 << 12];
  private int size;
  private int growAt = (int) (hashes.length * MAX_LOAD);

  /**
   * Remembers {@code customId} as seen on {@code line} (1-based) unless it was seen before.
   *
   * @return the line it was first seen on, or 0 when it is new
   */
  int putIfAbsent(String customId, int line) {
    long h = hash(customId, seed);
    if (h == 0) h = 1;
    int mask = hashes.length - 1;
    for (int i = (int) h & mask; ; i = (i + 1) & mask) {
      long at = hashes[i];
      if (at == h) return lines[i];
      if (at == 0) {
        hashes[i] = h;
        lines[i] = line;
        if (++size >= growAt) grow();
        return 0;
      }
    }
  }

  int size() {
    return size;
  }

  private void grow() {
    long[] oldHashes = hashes;
    int[] oldLines = lines;
    hashes = new long[oldHashes.length * 2];
    lines = new int[oldHashes.length * 2];
    growAt = (int) (hashes.length * MAX_LOAD);
    int mask = hashes.length - 1;
    for (int j = 0; j < oldHashes.length; j++) {
      long h = oldHashes[j];
      if (h == 0) continue;
      int i = (int) h & mask;
      while (hashes[i] != 0) i = (i + 1) & mask;
      hashes[i] = h;
      lines[i] = oldLines[j];
    }
  }

  /** A seeded 64-bit hash of the string's chars, MurmurHash3-style: four chars per step, then a full mix. */
  static long hash(String s, long seed) {
    int n = s.length();
    long h = seed ^ (n * 0x9E3779B97F4A7C15L);
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      h = step(h, s.charAt(i) | (long) s.charAt(i + 1) << 16 | (long) s.charAt(i + 2) << 32
          | (long) s.charAt(i + 3) << 48);
    }
    long tail = 0;
    for (int shift = 0; i < n; i++, shift += 16) tail |= (long) s.charAt(i) << shift;
    h = step(h, tail);
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  private static long step(long h, long k) {
    k *= 0x87c37b91114253d5L;
    k = Long.rotateLeft(k, 31);
    k *= 0x4cf5ad432745937fL;
    h ^= k;
    return Long.rotateLeft(h, 27) * 5 + 0x52dce729;
  }
}
