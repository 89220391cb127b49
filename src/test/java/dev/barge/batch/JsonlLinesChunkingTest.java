package dev.barge.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Lines cut anywhere by the read buffer and the cap come out as a plain byte-by-byte splitter sees them. */
class JsonlLinesChunkingTest {
  record Seen(int number, long offset, String bytes, boolean tooLong) {}

  /** Returns at most {@code step} bytes per read, so lines straddle many reads. */
  private static InputStream trickle(byte[] data, int step) {
    return new ByteArrayInputStream(data) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, step));
      }
    };
  }

  private static List<Seen> read(InputStream in, int cap) throws IOException {
    List<Seen> out = new ArrayList<>();
    JsonlLines.read(in, cap, l -> {
      String bytes = l.tooLong() ? "" : Arrays.toString(Arrays.copyOf(l.bytes(), l.length()));
      out.add(new Seen(l.number(), l.offset(), bytes, l.tooLong()));
      return true;
    });
    return out;
  }

  /** The obvious splitter, over the whole array at once. */
  private static List<Seen> reference(byte[] data, int cap) {
    List<Seen> out = new ArrayList<>();
    boolean bom = data.length >= 3 && (data[0] & 0xff) == 0xEF && (data[1] & 0xff) == 0xBB && (data[2] & 0xff) == 0xBF;
    int number = 1;
    for (int pos = bom ? 3 : 0; pos < data.length; ) {
      int end = pos;
      while (end < data.length && data[end] != '\n') end++;
      boolean tooLong = end - pos > cap;
      int contentEnd = end > pos && data[end - 1] == '\r' ? end - 1 : end;
      String bytes = tooLong ? "" : Arrays.toString(Arrays.copyOfRange(data, pos, contentEnd));
      out.add(new Seen(number++, pos, bytes, tooLong));
      pos = end + 1;
    }
    return out;
  }

  @Test
  void randomDataSplitsLikeTheReferenceWhateverTheReadSizes() throws IOException {
    Random random = new Random(7);
    byte[] alphabet = {'a', 'b', '{', '}', '"', '\r', '\n', '\n', ' ', (byte) 0xC3, (byte) 0xA9};
    for (int round = 0; round < 300; round++) {
      byte[] data = new byte[random.nextInt(3000)];
      for (int i = 0; i < data.length; i++) data[i] = alphabet[random.nextInt(alphabet.length)];
      if (round % 5 == 0 && data.length >= 3) {
        data[0] = (byte) 0xEF;
        data[1] = (byte) 0xBB;
        data[2] = (byte) 0xBF;
      }
      int cap = 1 + random.nextInt(200);
      int step = 1 + random.nextInt(100);
      assertThat(read(trickle(data, step), cap)).as("round %d cap %d step %d", round, cap, step)
          .isEqualTo(reference(data, cap));
    }
  }

  @Test
  void longLinesAcrossManyChunksKeepTheirStartAndOffsets() throws IOException {
    byte[] data = new byte[300_000];
    Arrays.fill(data, (byte) 'x');
    data[70_000] = '\n';
    data[70_001] = '\r';
    data[70_002] = '\n';
    data[299_999] = '\n';
    List<Seen> lines = new ArrayList<>();
    JsonlLines.read(new ByteArrayInputStream(data), 100_000, l -> {
      lines.add(new Seen(l.number(), l.offset(), Integer.toString(l.length()), l.tooLong()));
      return true;
    });
    assertThat(lines).containsExactly(new Seen(1, 0, "70000", false), new Seen(2, 70_001, "0", false),
        new Seen(3, 70_003, "100000", true));
  }
}
