package dev.barge.batch;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Picks a canary's sample while the input file streams past: a uniform random choice of {@code size}
 * request lines (reservoir sampling), so a file sorted by difficulty is still represented fairly. The
 * seed comes from the batch id: validating the same batch again picks the same lines.
 */
final class CanarySample {
  private final int[] lines;
  private final Random random;
  private int seen;

  CanarySample(int size, String batchId) {
    this.lines = new int[size];
    this.random = new Random(batchId.hashCode());
  }

  void add(int line) {
    if (seen < lines.length) {
      lines[seen] = line;
    } else {
      int slot = random.nextInt(seen + 1);
      if (slot < lines.length) lines[slot] = line;
    }
    seen++;
  }

  /** The sample in line order; empty when the file had no more lines than the sample would take. */
  List<Integer> lines() {
    if (seen <= lines.length) return List.of();
    return Arrays.stream(lines).sorted().boxed().toList();
  }
}
