package dev.barge.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A batch's errors as stored: read back whole with the batch, so never without bound. */
class LineErrorTest {
  private static List<LineError> errors(int count, int messageChars) {
    return IntStream.rangeClosed(1, count)
        .mapToObj(i -> LineError.at(i, "invalid_request", "method", "m".repeat(messageChars))).toList();
  }

  @Test
  void theListKeepsTheFirstErrorsUpToItsCount() {
    var data = LineError.list(errors(LineError.MAX_LISTED + 5, 10)).get("data");
    assertThat(data).hasSize(LineError.MAX_LISTED);
    assertThat(data.get(0).get("line").asInt()).isEqualTo(1);
  }

  @Test
  void theListKeepsTheFirstErrorsUpToItsSize() {
    String json = LineError.listJson(errors(5_000, 1_000)); // 5 million characters of messages
    assertThat(json.length()).isBetween(LineError.MAX_LISTED_CHARS - 2_000, LineError.MAX_LISTED_CHARS + 200_000);
    assertThat(LineError.list(errors(1, LineError.MAX_LISTED_CHARS + 1)).get("data")).hasSize(1); // never empty
  }
}
