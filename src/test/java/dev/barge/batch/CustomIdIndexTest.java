package dev.barge.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CustomIdIndexTest {
  @Test
  void remembersTheFirstLineOfEachIdThroughManyGrowths() {
    CustomIdIndex index = new CustomIdIndex();
    int n = 300_000;
    for (int i = 0; i < n; i++) assertThat(index.putIfAbsent("req-" + i, i + 1)).isZero();
    assertThat(index.size()).isEqualTo(n);
    for (int i = 0; i < n; i += 997) assertThat(index.putIfAbsent("req-" + i, n + i + 1)).isEqualTo(i + 1);
    assertThat(index.size()).isEqualTo(n);
  }

  @Test
  void similarIdsDoNotCollide() {
    CustomIdIndex index = new CustomIdIndex();
    int line = 1;
    for (String prefix : new String[] {"", "a", "b", "ab", "ba", "\u0000", "é"}) {
      for (int i = 0; i < 2000; i++) {
        assertThat(index.putIfAbsent(prefix + i, line++)).as(prefix + i).isZero();
        if (!prefix.isEmpty()) assertThat(index.putIfAbsent(i + prefix, line++)).as(i + prefix).isZero();
      }
    }
    assertThat(index.putIfAbsent("", line)).isZero();
    assertThat(index.putIfAbsent("", line + 1)).isEqualTo(line);
  }

  @Test
  void hashesSpreadOverTheLowBitsTheTableUses() {
    Set<Long> buckets = new HashSet<>();
    for (int i = 0; i < 4096; i++) buckets.add(CustomIdIndex.hash(UUID.nameUUIDFromBytes(new byte[] {(byte) i, (byte) (i >> 8)}).toString(), 42) & 0xffff);
    assertThat(buckets.size()).isGreaterThan(3900); // ~3970 expected for 4096 random picks of 65536
    assertThat(CustomIdIndex.hash("req-1", 1)).isNotEqualTo(CustomIdIndex.hash("req-1", 2));
  }
}
