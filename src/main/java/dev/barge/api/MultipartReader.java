package dev.barge.api;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The framing of a multipart body (RFC 2046 §5.1, as multipart/form-data uses it), read as it
 * arrives through one fixed buffer: {@link #nextPart} gives each part's header block, {@link #read}
 * its content. Content is scanned eight bytes at a time for the {@code \r} that starts every
 * delimiter ({@code CRLF--boundary}), which file content rarely contains, so an upload costs little
 * more than copying it. (Commons FileUpload's parser compares every byte with the boundary; it cost
 * more CPU than the rest of an upload together.)
 */
final class MultipartReader {
  /** The body does not follow the multipart rules, or ends before its closing delimiter. */
  static final class MalformedException extends IOException {
    MalformedException(String message) {
      super(message);
    }
  }

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long CRS = ONES * '\r';
  private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

  private enum State { PREAMBLE, PART, BETWEEN, END }

  private final InputStream in;
  private final byte[] delimiter; // CRLF--boundary
  private final int maxHeaderBytes;
  private final byte[] buf;
  private int pos;
  private int limit;
  private boolean eof;
  private State state = State.PREAMBLE;
  // For the current buffer contents from pos: bytes before `safe` are content for sure; `found` is where
  // the delimiter starts, or -1 when it is not in the buffer yet.
  private int safe;
  private int found = -1;

  MultipartReader(InputStream in, byte[] boundary, int bufferSize, int maxHeaderBytes) {
    if (boundary.length == 0 || boundary.length > 200) throw new IllegalArgumentException("bad multipart boundary");
    this.in = in;
    this.delimiter = new byte[boundary.length + 4];
    delimiter[0] = '\r';
    delimiter[1] = '\n';
    delimiter[2] = '-';
    delimiter[3] = '-';
    System.arraycopy(boundary, 0, delimiter, 4, boundary.length);
    this.maxHeaderBytes = maxHeaderBytes;
    this.buf = new byte[Math.max(bufferSize, maxHeaderBytes + delimiter.length + 8)];
    // The first delimiter may open the body without a line break before it: read as if one were there.
    buf[0] = '\r';
    buf[1] = '\n';
    limit = 2;
  }

  /**
   * Skips the rest of the current part (or the preamble) and returns the next part's header block, the
   * bytes up to and including the blank line, decoded as UTF-8; null after the closing delimiter.
   */
  String nextPart() throws IOException {
    if (state == State.END) return null;
    if (state == State.PREAMBLE || state == State.PART) {
      state = State.PART;
      while (skipContent()) {
        // skipping
      }
    }
    // Right after a delimiter: "--" closes the body; otherwise optional padding, then CRLF.
    require(2);
    if (buf[pos] == '-' && buf[pos + 1] == '-') {
      state = State.END;
      return null;
    }
    while (true) {
      require(1);
      if (buf[pos] != ' ' && buf[pos] != '\t') break;
      pos++;
    }
    require(2);
    if (buf[pos] != '\r' || buf[pos + 1] != '\n') throw new MalformedException("unexpected bytes after a boundary");
    pos += 2;
    String headers = readHeaders();
    state = State.PART;
    safe = pos;
    found = -1;
    return headers;
  }

  /** Reads content of the current part; -1 at its end. */
  int read(byte[] b, int off, int len) throws IOException {
    if (state != State.PART) return -1;
    while (true) {
      if (pos < safe) {
        int n = Math.min(len, safe - pos);
        System.arraycopy(buf, pos, b, off, n);
        pos += n;
        return n;
      }
      if (found == pos) { // the part ends here
        pos += delimiter.length;
        state = State.BETWEEN;
        return -1;
      }
      if (pos < limit && scan()) continue;
      fill();
    }
  }

  /** Moves past content without copying it; false once the part has ended. */
  private boolean skipContent() throws IOException {
    if (pos < safe) {
      pos = safe;
      return true;
    }
    if (found == pos) {
      pos += delimiter.length;
      state = State.BETWEEN;
      return false;
    }
    if (pos >= limit || !scan()) fill();
    return true;
  }

  /**
   * Finds how far from {@code pos} the bytes are surely content, and whether the delimiter starts in
   * the buffer. Returns false when more bytes must be read to decide anything.
   */
  private boolean scan() {
    int i = pos;
    int dl = delimiter.length;
    while (true) {
      i = indexOfCr(buf, i, limit);
      if (i < 0) {
        safe = limit;
        found = -1;
        return true;
      }
      int have = Math.min(dl, limit - i);
      if (Arrays.equals(buf, i, i + have, delimiter, 0, have)) {
        safe = i;
        found = have == dl ? i : -1;
        // A delimiter cut off by the end of the buffer: what comes before it is content; the rest waits.
        return i > pos || found == i;
      }
      i++;
    }
  }

  private String readHeaders() throws IOException {
    int from = pos;
    while (true) {
      int end = indexOf(HEADER_END, from);
      // An empty header block: the blank line comes at once.
      if (limit - pos >= 2 && buf[pos] == '\r' && buf[pos + 1] == '\n') {
        pos += 2;
        return "\r\n";
      }
      if (end >= 0) {
        String headers = new String(buf, pos, end + HEADER_END.length - pos, StandardCharsets.UTF_8);
        pos = end + HEADER_END.length;
        return headers;
      }
      if (limit - pos > maxHeaderBytes) throw new MalformedException("the headers of a part are longer than "
          + maxHeaderBytes + " bytes");
      from = Math.max(pos, limit - HEADER_END.length + 1);
      int before = pos;
      fill();
      from -= before - pos; // fill() may have moved the bytes to the front
    }
  }

  private int indexOf(byte[] what, int from) {
    for (int i = Math.max(from, pos); i + what.length <= limit; i++) {
      if (buf[i] == what[0] && Arrays.equals(buf, i, i + what.length, what, 0, what.length)) return i;
    }
    return -1;
  }

  /** Makes at least {@code n} unread bytes available. */
  private void require(int n) throws IOException {
    while (limit - pos < n) fill();
  }

  /** Moves the unread bytes to the front and reads more after them; a body that ends here is malformed. */
  private void fill() throws IOException {
    if (eof) throw new MalformedException("the body ends before its closing boundary");
    if (pos > 0) {
      int shift = pos;
      System.arraycopy(buf, pos, buf, 0, limit - pos);
      limit -= shift;
      safe = Math.max(0, safe - shift);
      if (found >= 0) found -= shift;
      pos = 0;
    }
    if (limit == buf.length) throw new IllegalStateException("multipart buffer full"); // cannot happen: see the constructor
    int n = in.read(buf, limit, buf.length - limit);
    if (n < 0) {
      eof = true;
      throw new MalformedException("the body ends before its closing boundary");
    }
    limit += n;
  }

  /** The index of the first {@code \r} in {@code [from, to)}, or -1; eight bytes per step. */
  private static int indexOfCr(byte[] a, int from, int to) {
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long x = (long) LONGS.get(a, i) ^ CRS;
      long hit = (x - ONES) & ~x & HIGHS; // exact for the lowest matching byte, the one wanted
      if (hit != 0) return i + (Long.numberOfTrailingZeros(hit) >>> 3);
    }
    for (; i < to; i++) {
      if (a[i] == '\r') return i;
    }
    return -1;
  }
}
