package dev.barge.batch;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Splits a byte stream into lines without decoding it, keeping each line's byte offset so a request
 * row can point at its body instead of copying it. {@code \n} and {@code \r\n} end lines; a leading
 * UTF-8 byte order mark is skipped. Line numbers are 1-based.
 */
final class JsonlLines {
  private static final int CHUNK = 1 << 16;
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long NEWLINES = ONES * '\n';

  /**
   * One physical line: its number, where its content starts, and the content without the line end.
   * A line longer than the cap is not kept: {@code tooLong} is set and {@code bytes} holds only its start.
   */
  record Line(int number, long offset, byte[] bytes, int length, boolean tooLong) {
    boolean blank() {
      for (int i = 0; i < length; i++) {
        byte b = bytes[i];
        if (b != ' ' && b != '\t' && b != '\r') return false;
      }
      return true;
    }
  }

  @FunctionalInterface
  interface Visitor {
    /** Returns false to stop reading. The line's byte array is reused after this returns. */
    boolean visit(Line line) throws IOException;
  }

  private JsonlLines() {}

  static void read(InputStream in, int maxLineBytes, Visitor visitor) throws IOException {
    byte[] chunk = new byte[CHUNK];
    byte[] line = new byte[4096];
    int lineLength = 0;
    boolean tooLong = false; // the current line passed the cap; its bytes are skipped, not kept
    long offset = 0; // of the next byte read
    long lineStart = 0;
    int number = 1;
    boolean first = true;
    for (int n; (n = fill(in, chunk)) > 0; ) {
      int start = 0;
      if (first) {
        if (n >= 3 && (chunk[0] & 0xff) == 0xEF && (chunk[1] & 0xff) == 0xBB && (chunk[2] & 0xff) == 0xBF) {
          start = 3;
          lineStart = 3;
        }
        first = false;
      }
      while (start < n) {
        int end = indexOfNewline(chunk, start, n);
        int segment = (end < 0 ? n : end) - start;
        // Keep what fits under the cap; the rest of an over-long line is only counted, never copied.
        int keep = Math.min(segment, maxLineBytes - lineLength);
        if (keep > 0) {
          if (lineLength + keep > line.length) {
            line = Arrays.copyOf(line, (int) Math.min(Math.max((long) line.length * 2, lineLength + keep), maxLineBytes));
          }
          System.arraycopy(chunk, start, line, lineLength, keep);
          lineLength += keep;
        }
        if (keep < segment) tooLong = true;
        if (end < 0) break;
        int len = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
        if (!visitor.visit(new Line(number++, lineStart, line, len, tooLong))) return;
        lineLength = 0;
        tooLong = false;
        lineStart = offset + end + 1;
        start = end + 1;
      }
      offset += n;
    }
    if (lineLength > 0 || tooLong) {
      int len = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
      visitor.visit(new Line(number, lineStart, line, len, tooLong));
    }
  }

  /** Reads until the chunk is full or the stream ends (so the first chunk holds a whole byte order mark). */
  private static int fill(InputStream in, byte[] chunk) throws IOException {
    int n = 0;
    for (int r; n < chunk.length && (r = in.read(chunk, n, chunk.length - n)) >= 0; ) n += r;
    return n;
  }

  /** The index of the first {@code \n} in {@code [from, to)}, or -1; eight bytes per step (SWAR). */
  static int indexOfNewline(byte[] a, int from, int to) {
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long x = (long) LONGS.get(a, i) ^ NEWLINES; // a zero byte where a '\n' was
      long found = (x - ONES) & ~x & HIGHS; // exact for the lowest zero byte, which is the one wanted
      if (found != 0) return i + (Long.numberOfTrailingZeros(found) >>> 3);
    }
    for (; i < to; i++) {
      if (a[i] == '\n') return i;
    }
    return -1;
  }
}
