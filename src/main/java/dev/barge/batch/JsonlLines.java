package dev.barge.batch;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines without decoding it, keeping each line's byte offset so a request
 * row can point at its body instead of copying it. {@code \n} and {@code \r\n} end lines; a leading
 * UTF-8 byte order mark is skipped. Line numbers are 1-based.
 */
final class JsonlLines {
  private static final int CHUNK = 1 << 16;

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
    byte[] line = new byte[1024];
    int lineLength = 0;
    boolean tooLong = false; // the current line passed the cap; its bytes are skipped, not kept
    long offset = 0; // of the next byte read
    long lineStart = 0;
    int number = 1;
    boolean first = true;
    for (int n; (n = in.read(chunk)) >= 0; ) {
      int start = 0;
      if (first && n > 0) {
        if (n >= 3 && (chunk[0] & 0xff) == 0xEF && (chunk[1] & 0xff) == 0xBB && (chunk[2] & 0xff) == 0xBF) {
          start = 3;
          lineStart = 3;
        }
        first = false;
      }
      for (int i = start; i < n; i++) {
        if (chunk[i] == '\n') {
          int len = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
          if (!visitor.visit(new Line(number++, lineStart, line, len, tooLong))) return;
          lineLength = 0;
          tooLong = false;
          lineStart = offset + i + 1;
        } else if (lineLength < maxLineBytes) {
          if (lineLength == line.length) line = Arrays.copyOf(line, Math.min(line.length * 2, maxLineBytes));
          line[lineLength++] = chunk[i];
        } else {
          tooLong = true;
        }
      }
      offset += n;
    }
    if (lineLength > 0) {
      int len = line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
      visitor.visit(new Line(number, lineStart, line, len, tooLong));
    }
  }
}
