package dev.barge.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonlLinesTest {
  record Seen(int number, long offset, String text) {}

  private static List<Seen> read(byte[] bytes) throws IOException {
    return read(bytes, Integer.MAX_VALUE);
  }

  private static List<Seen> read(byte[] bytes, int maxLineBytes) throws IOException {
    List<Seen> out = new ArrayList<>();
    JsonlLines.read(new ByteArrayInputStream(bytes), maxLineBytes, line -> {
      if (line.tooLong()) {
        out.add(new Seen(line.number(), line.offset(), "<too long>"));
        return true;
      }
      out.add(new Seen(line.number(), line.offset(),
          new String(Arrays.copyOf(line.bytes(), line.length()), StandardCharsets.UTF_8)));
      return true;
    });
    return out;
  }

  @Test
  void offsetsPointAtEachLinesBytesWithoutTheLineEnd() throws IOException {
    byte[] data = "{\"a\":1}\r\n\n{\"b\":\"é\"}\n{\"c\":3}".getBytes(StandardCharsets.UTF_8);
    List<Seen> lines = read(data);
    assertThat(lines).extracting(Seen::number).containsExactly(1, 2, 3, 4);
    assertThat(lines).extracting(Seen::text).containsExactly("{\"a\":1}", "", "{\"b\":\"é\"}", "{\"c\":3}");
    for (Seen s : lines) {
      byte[] expected = s.text().getBytes(StandardCharsets.UTF_8);
      assertThat(Arrays.copyOfRange(data, (int) s.offset(), (int) s.offset() + expected.length)).isEqualTo(expected);
    }
  }

  @Test
  void byteOrderMarkIsSkippedAndOffsetsStillMatch() throws IOException {
    byte[] data = "\uFEFF{\"a\":1}\n".getBytes(StandardCharsets.UTF_8);
    List<Seen> lines = read(data);
    assertThat(lines).containsExactly(new Seen(1, 3, "{\"a\":1}"));
  }

  @Test
  void linesLongerThanTheReadBufferArriveWhole() throws IOException {
    String longLine = "x".repeat(200_000);
    List<Seen> lines = read((longLine + "\n" + "y\n").getBytes(StandardCharsets.UTF_8));
    assertThat(lines).extracting(Seen::text).containsExactly(longLine, "y");
    assertThat(lines.get(1).offset()).isEqualTo(200_001);
  }

  @Test
  void lineOverTheCapIsFlaggedWithoutBeingKept() throws IOException {
    List<Seen> lines = read(("x".repeat(5000) + "\nshort\n").getBytes(StandardCharsets.UTF_8), 100);
    assertThat(lines).containsExactly(new Seen(1, 0, "<too long>"), new Seen(2, 5001, "short"));
  }
}
