package dev.barge.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MultipartReaderTest {
  private static final String B = "XyZ-b0undary";

  record Part(String headers, String content) {}

  /** Returns at most {@code step} bytes per read, so every structure straddles reads. */
  private static InputStream trickle(byte[] data, int step) {
    return new ByteArrayInputStream(data) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, step));
      }
    };
  }

  private static List<Part> parse(byte[] body, int step, int bufferSize) throws IOException {
    MultipartReader reader = new MultipartReader(trickle(body, step), B.getBytes(StandardCharsets.US_ASCII),
        bufferSize, 256);
    List<Part> parts = new ArrayList<>();
    byte[] buf = new byte[7];
    for (String headers; (headers = reader.nextPart()) != null; ) {
      ByteArrayOutputStream content = new ByteArrayOutputStream();
      for (int n; (n = reader.read(buf, 0, buf.length)) >= 0; ) content.write(buf, 0, n);
      parts.add(new Part(headers, content.toString(StandardCharsets.ISO_8859_1)));
    }
    return parts;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void partsComeBackWithTheirHeadersAndExactContent() throws IOException {
    String body = "--" + B + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
        + "--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n"
        + "Content-Type: application/jsonl\r\n\r\n{\"a\":1}\r\n--" + B.substring(0, 5) + "\r\n\r\n--" + B + "--\r\n";
    for (int step : new int[] {1, 2, 3, 5, 64, 10_000}) {
      assertThat(parse(bytes(body), step, 16)).containsExactly(
          new Part("Content-Disposition: form-data; name=\"purpose\"\r\n\r\n", "batch"),
          new Part("Content-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n"
              + "Content-Type: application/jsonl\r\n\r\n", "{\"a\":1}\r\n--" + B.substring(0, 5) + "\r\n"));
    }
  }

  @Test
  void preamblePaddingEmptyPartsAndEpilogueAreAllowed() throws IOException {
    String body = "preamble\r\n--not-it\r\n--" + B + " \t\r\n\r\n\r\n--" + B + "\r\nX: y\r\n\r\n\r\n--" + B
        + "--epilogue --" + B + "\r\n";
    assertThat(parse(bytes(body), 3, 16)).containsExactly(new Part("\r\n", ""), new Part("X: y\r\n\r\n", ""));
  }

  @Test
  void unreadPartsAreSkipped() throws IOException {
    String body = "--" + B + "\r\nA: 1\r\n\r\n" + "z".repeat(1000) + "\r\n--" + B + "\r\nB: 2\r\n\r\nlast\r\n--" + B + "--";
    MultipartReader reader = new MultipartReader(trickle(bytes(body), 13), bytes(B), 32, 64);
    assertThat(reader.nextPart()).isEqualTo("A: 1\r\n\r\n");
    assertThat(reader.nextPart()).isEqualTo("B: 2\r\n\r\n");
    byte[] buf = new byte[100];
    StringBuilder last = new StringBuilder();
    for (int n; (n = reader.read(buf, 0, 100)) >= 0; ) last.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
    assertThat(last.toString()).isEqualTo("last");
    assertThat(reader.nextPart()).isNull();
    assertThat(reader.nextPart()).isNull();
  }

  @Test
  void randomBodiesRoundTripWhateverTheReadAndBufferSizes() throws IOException {
    Random random = new Random(11);
    byte[] alphabet = bytes("ab-\r\n" + B);
    for (int round = 0; round < 400; round++) {
      List<Part> expected = new ArrayList<>();
      StringBuilder body = new StringBuilder(random.nextBoolean() ? "" : "pre\r\n");
      int parts = random.nextInt(4);
      for (int p = 0; p < parts; p++) {
        String content;
        do {
          byte[] c = new byte[random.nextInt(300)];
          for (int i = 0; i < c.length; i++) c[i] = alphabet[random.nextInt(alphabet.length)];
          content = new String(c, StandardCharsets.ISO_8859_1);
        } while ((content + "\r\n").contains("\r\n--" + B));
        String headers = "N: " + p + "\r\n\r\n";
        body.append("--").append(B).append("\r\n").append(headers).append(content).append("\r\n");
        expected.add(new Part(headers, content));
      }
      body.append("--").append(B).append("--");
      int step = 1 + random.nextInt(50);
      int bufferSize = 1 + random.nextInt(200);
      assertThat(parse(bytes(body.toString()), step, bufferSize)).as("round %d", round).isEqualTo(expected);
    }
  }

  @Test
  void bodiesThatBreakTheRulesAreMalformed() {
    for (String body : List.of("", "garbage", "--" + B + "\r\nA: 1\r\n\r\ncut off here",
        "--" + B + "\r\nA: 1\r\n\r\nx\r\n--" + B + "junk\r\n\r\n--" + B + "--",
        "--" + B + "\r\n" + "H: " + "h".repeat(300) + "\r\n\r\nx\r\n--" + B + "--",
        "--" + B + "\r\nA: 1")) {
      assertThatThrownBy(() -> parse(bytes(body), 4, 16)).as(body)
          .isInstanceOf(MultipartReader.MalformedException.class);
    }
  }

  @Test
  void largeContentStreamsThroughASmallBuffer() throws IOException {
    byte[] content = new byte[1 << 20];
    new Random(3).nextBytes(content);
    for (int i = 0; i < content.length; i++) if (content[i] == '\r') content[i] = 'r';
    byte[] head = bytes("--" + B + "\r\nA: 1\r\n\r\n");
    byte[] tail = bytes("\r\n--" + B + "--\r\n");
    byte[] body = new byte[head.length + content.length + tail.length];
    System.arraycopy(head, 0, body, 0, head.length);
    System.arraycopy(content, 0, body, head.length, content.length);
    System.arraycopy(tail, 0, body, head.length + content.length, tail.length);
    MultipartReader reader = new MultipartReader(new ByteArrayInputStream(body), bytes(B), 4096, 64);
    assertThat(reader.nextPart()).isEqualTo("A: 1\r\n\r\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[1 << 16];
    for (int n; (n = reader.read(buf, 0, buf.length)) >= 0; ) out.write(buf, 0, n);
    assertThat(Arrays.equals(out.toByteArray(), content)).isTrue();
    assertThat(reader.nextPart()).isNull();
  }
}
