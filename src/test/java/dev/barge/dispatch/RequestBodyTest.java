package dev.barge.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.barge.upstream.RequestBody;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestBodyTest {
  private static String body(String line) throws IOException {
    return new String(RequestBody.of(line.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  @Test
  void theBodyIsSentAsWrittenInTheLine() throws IOException {
    assertThat(body("{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
        + "\"body\": {\"model\":\"m\", \"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} }"))
        .isEqualTo("{\"model\":\"m\", \"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
  }

  @Test
  void multiByteTextBeforeTheBodyDoesNotShiftIt() throws IOException {
    assertThat(body("{\"custom_id\":\"日本語-😀\",\"metadata\":{\"é\":[1,{\"x\":\"ü\"}]},\"body\":{\"input\":\"ß\"},"
        + "\"url\":\"/v1/embeddings\"}"))
        .isEqualTo("{\"input\":\"ß\"}");
  }

  @Test
  void aServiceTierInTheBodyIsTakenOutButNotOneNestedDeeper() throws IOException {
    assertThat(body("{\"custom_id\":\"a\",\"body\":{\"model\":\"m\",\"service_tier\":\"flex\","
        + "\"metadata\":{\"service_tier\":\"kept\"}}}"))
        .isEqualTo("{\"model\":\"m\",\"metadata\":{\"service_tier\":\"kept\"}}");
  }

  @Test
  void aLineWithoutAnObjectBodyIsAnError() {
    assertThatThrownBy(() -> body("{\"custom_id\":\"a\"}")).hasMessageContaining("no body");
    assertThatThrownBy(() -> body("{\"custom_id\":\"a\",\"body\":[1]}")).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> body("{\"custom_id\":\"a\",\"body\":{\"model\":")).isInstanceOf(IOException.class);
  }
}
