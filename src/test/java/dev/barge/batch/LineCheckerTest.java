package dev.barge.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class LineCheckerTest {
  private static final String CHAT = "/v1/chat/completions";
  private static final Predicate<String> SERVED = Set.of("m", "other", "5")::contains;

  private static JsonlLines.Line line(int number, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return new JsonlLines.Line(number, 0, bytes, bytes.length, false);
  }

  private static String ok(String id) {
    return "{\"custom_id\":\"" + id + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\"}}";
  }

  @Test
  void validLineIsAcceptedWithItsCustomIdAndTheFileModel() {
    LineChecker checker = new LineChecker(CHAT, SERVED, 1 << 20);
    assertThat(checker.check(line(1, "{\"body\":{\"messages\":[{\"role\":\"user\",\"content\":\"hi \\\"there\\\"\"}],"
        + "\"model\":\"m\",\"stream\":false,\"n\":{\"deep\":[1,2.5e3,null,true]}},\"url\":\"/v1/chat/completions\","
        + "\"method\":\"POST\",\"custom_id\":\"a\\u00e9\"}"))).isNull();
    assertThat(checker.acceptedCustomId()).isEqualTo("aé");
    assertThat(checker.model()).isEqualTo("m");
  }

  @Test
  void duplicateNamesTheEarlierLineAndDistinguishesEscapedSpellings() {
    LineChecker checker = new LineChecker(CHAT, SERVED, 1 << 20);
    assertThat(checker.check(line(1, ok("x")))).isNull();
    assertThat(checker.check(line(2, ok("y")))).isNull();
    LineError dup = checker.check(line(7, ok("\\u0078"))); // "x" spelled with an escape
    assertThat(dup.code()).isEqualTo("duplicate_custom_id");
    assertThat(dup.line()).isEqualTo(7);
    assertThat(dup.message()).isEqualTo("The custom_id 'x' is already used on line 1.");
    assertThat(checker.acceptedCustomId()).isNull();
  }

  @Test
  void nonStringValuesAreQuotedAsJsonInMessages() {
    LineChecker checker = new LineChecker(CHAT, SERVED, 1 << 20);
    LineError method = checker.check(line(1, "{\"custom_id\":\"a\",\"method\":{\"v\": [1, 2]},\"url\":\"u\",\"body\":{}}"));
    assertThat(method.message()).isEqualTo("'method' must be \"POST\", not {\"v\":[1,2]}.");
    LineError url = checker.check(line(2, "{\"custom_id\":\"b\",\"method\":\"POST\",\"url\":7,\"body\":{}}"));
    assertThat(url.message()).isEqualTo("The url 7 does not match the batch's endpoint '/v1/chat/completions'.");
  }

  @Test
  void hugeValuesAreQuotedCutShortAndControlCharactersEscaped() {
    LineChecker checker = new LineChecker(CHAT, SERVED, 1 << 24);
    String huge = "\uD83D\uDE00".repeat(500_000); // surrogate pairs: a cut must not split one
    LineError method = checker.check(line(1, "{\"custom_id\":\"a\",\"method\":\"" + huge + "\",\"url\":\"u\",\"body\":{}}"));
    assertThat(method.message()).startsWith("'method' must be \"POST\", not \"\uD83D\uDE00").endsWith("\uDE00…\".")
        .hasSizeLessThan(260);
    LineError url = checker.check(line(2, "{\"custom_id\":\"b\",\"method\":\"POST\",\"url\":[" + "1,".repeat(100_000)
        + "1],\"body\":{}}"));
    assertThat(url.message()).startsWith("The url [1,1,").contains(",1…").hasSizeLessThan(300);
    LineError model = checker.check(line(3, "{\"custom_id\":\"c\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
        + "\"body\":{\"model\":\"bad\\u0000" + "x".repeat(1000) + "\"}}"));
    assertThat(model.code()).isEqualTo("model_not_found");
    assertThat(model.message()).startsWith("The model 'bad\\u0000xxx").contains("x…'").doesNotContain("\u0000")
        .hasSizeLessThan(300);
  }

  @Test
  void bodyFieldsAreReadWhereverTheyAreAndTheLastOfARepeatedKeyCounts() {
    LineChecker checker = new LineChecker(CHAT, SERVED, 1 << 20);
    // The second body has no model: as in a tree, it replaces the first.
    LineError error = checker.check(line(1, "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
        + "\"body\":{\"model\":\"m\"},\"body\":{\"x\":1}}"));
    assertThat(error.param()).isEqualTo("body.model");
    assertThat(checker.check(line(2, "{\"custom_id\":\"b\",\"method\":\"GET\",\"method\":\"POST\","
        + "\"url\":\"/v1/chat/completions\",\"body\":{\"stream\":true,\"model\":\"m\",\"stream\":null}}"))).isNull();
  }

  @Test
  void aLineOverTheCapIsRefusedUnread() {
    LineChecker checker = new LineChecker(CHAT, SERVED, 10);
    LineError error = checker.check(new JsonlLines.Line(3, 0, new byte[10], 10, true));
    assertThat(error.code()).isEqualTo("invalid_request");
    assertThat(error.message()).contains("longer than 10 bytes");
  }

  /**
   * Every line here gets the same answer as from the earlier checker, which read each line into a
   * full tree (kept below as the reference): the streaming pass changes speed, not verdicts.
   */
  @Test
  void streamingChecksGiveTheSameVerdictsAsReadingATree() {
    List<String> lines = new ArrayList<>(List.of(
        ok("a"), ok("b"), ok("a"), "", " ", "{", "{}", "[]", "[1,2]", "\"text\"", "5", "null", "{} {}", "{}x",
        "{\"a\":1}garbage", "{\"custom_id\":\"c\"}", "{\"custom_id\":null,\"method\":\"POST\",\"url\":\"u\",\"body\":{}}",
        "{\"custom_id\":\"d\",\"method\":null,\"url\":\"u\",\"body\":{}}",
        "{\"custom_id\":\"e\",\"method\":\"POST\",\"url\":null,\"body\":{}}",
        "{\"custom_id\":\"f\",\"method\":\"POST\",\"url\":\"u\",\"body\":null}",
        "{\"custom_id\":\"\",\"method\":\"POST\",\"url\":\"u\",\"body\":{}}",
        "{\"custom_id\":5,\"method\":\"POST\",\"url\":\"u\",\"body\":{}}",
        "{\"custom_id\":[\"g\"],\"method\":\"POST\",\"url\":\"u\",\"body\":{}}",
        "{\"custom_id\":\"h\",\"method\":\"post\",\"url\":\"u\",\"body\":{}}",
        "{\"custom_id\":\"i\",\"method\":true,\"url\":\"u\",\"body\":{}}",
        "{\"custom_id\":\"j\",\"method\":\"POST\",\"url\":\"u\",\"body\":[1]}",
        "{\"custom_id\":\"k\",\"method\":\"POST\",\"url\":\"u\",\"body\":\"s\"}",
        "{\"custom_id\":\"l\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":{\"model\":\"m\"}}",
        "{\"custom_id\":\"m1\",\"method\":\"POST\",\"url\":{\"p\":\"/v1/chat/completions\"},\"body\":{\"model\":\"m\"}}",
        "{\"custom_id\":\"n\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":null}}",
        "{\"custom_id\":\"o\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"stream\":true}}",
        "{\"custom_id\":\"p\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"stream\":\"no\"}}",
        "{\"custom_id\":\"q\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"stream\":{}}}",
        "{\"custom_id\":\"r\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"stream\":0}}",
        "{\"custom_id\":\"s\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"other\"}}",
        "{\"custom_id\":\"t\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":5}}",
        "{\"custom_id\":\"u\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":{\"x\":1}}}",
        "{\"custom_id\":\"v\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"x\":[1,{\"y\":[]}]}}",
        "{\"custom_id\":\"w\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"x\":\"\\q\"}}",
        "{\"custom_id\":\"x1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"x\":01}}",
        "{\"custom_id\":\"y\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"x\":\"a\tb\"}}",
        "{\"custom_id\":\"z\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",}}",
        "{\"custom_id\":\"z1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\"},\"extra\":[}",
        "{'custom_id':'z2'}", "{\"custom_id\":\"z3\" \"method\":\"POST\"}", "\uFEFF" + ok("bom"),
        "{\"custom_id\":\"z4\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"gpt-unknown\"}}",
        ok("last")));
    for (String endpoint : List.of(CHAT, "/v1/moderations")) {
      List<String> all = new ArrayList<>(lines);
      all.add("{\"custom_id\":\"mod1\",\"method\":\"POST\",\"url\":\"/v1/moderations\",\"body\":{\"model\":\"m\",\"input\":\"x\"}}");
      all.add("{\"custom_id\":\"mod2\",\"method\":\"POST\",\"url\":\"/v1/moderations\",\"body\":{\"model\":\"m\",\"input\":null}}");
      all.add("{\"custom_id\":\"mod3\",\"method\":\"POST\",\"url\":\"/v1/moderations\",\"body\":{\"model\":\"m\"}}");
      for (String modelFirst : List.of("m", "5")) {
        LineChecker streaming = new LineChecker(endpoint, SERVED, 1 << 20);
        TreeReference tree = new TreeReference(endpoint, SERVED);
        streaming.check(line(1, modelLine(endpoint, modelFirst)));
        tree.check(line(1, modelLine(endpoint, modelFirst)));
        for (int i = 0; i < all.size(); i++) {
          JsonlLines.Line l = line(i + 2, all.get(i));
          if (l.blank()) continue;
          assertThat(streaming.check(l)).as("%s: %s", endpoint, all.get(i)).isEqualTo(tree.check(l));
          assertThat(streaming.acceptedCustomId()).as(all.get(i)).isEqualTo(tree.acceptedCustomId);
        }
      }
    }
  }

  private static String modelLine(String endpoint, String model) {
    String json = model.equals("5") ? "5" : "\"" + model + "\"";
    return "{\"custom_id\":\"first\",\"method\":\"POST\",\"url\":\"" + endpoint + "\",\"body\":{\"model\":" + json
        + ",\"input\":\"i\"}}";
  }

  /** The checker as it was before the streaming pass: one Jackson tree per line, a HashMap of custom_ids. */
  private static final class TreeReference {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final String[] REQUIRED = {"custom_id", "method", "url", "body"};
    private final String endpoint;
    private final Predicate<String> modelServed;
    private final Map<String, Integer> customIds = new HashMap<>();
    private String model;
    String acceptedCustomId;

    TreeReference(String endpoint, Predicate<String> modelServed) {
      this.endpoint = endpoint;
      this.modelServed = modelServed;
    }

    LineError check(JsonlLines.Line line) {
      acceptedCustomId = null;
      int n = line.number();
      JsonNode node;
      try {
        node = JSON.readTree(line.bytes(), 0, line.length());
      } catch (IOException e) {
        node = null;
      }
      if (node == null || !node.isObject()) {
        return LineError.at(n, "invalid_json_line", null, "This line is not parseable as valid JSON.");
      }
      for (String key : REQUIRED) {
        if (!node.hasNonNull(key)) return missing(n, key);
      }
      JsonNode customId = node.get("custom_id");
      if (!customId.isTextual() || customId.asText().isEmpty()) {
        return LineError.at(n, "invalid_request", "custom_id", "'custom_id' must be a non-empty string.");
      }
      if (!node.get("method").isTextual() || !"POST".equals(node.get("method").asText())) {
        return LineError.at(n, "invalid_request", "method",
            "'method' must be \"POST\", not " + node.get("method") + ".");
      }
      JsonNode body = node.get("body");
      if (!body.isObject()) {
        return LineError.at(n, "invalid_request", "body", "'body' must be a JSON object.");
      }
      Integer earlier = customIds.get(customId.asText());
      if (earlier != null) {
        return LineError.at(n, "duplicate_custom_id", "custom_id",
            "The custom_id '" + customId.asText() + "' is already used on line " + earlier + ".");
      }
      customIds.put(customId.asText(), n);
      String url = node.get("url").asText();
      if (!node.get("url").isTextual() || !url.equals(endpoint)) {
        return LineError.at(n, "url_mismatch", "url",
            "The url " + node.get("url") + " does not match the batch's endpoint '" + endpoint + "'.");
      }
      if (!body.hasNonNull("model")) return missing(n, "body.model");
      if ("/v1/moderations".equals(endpoint) && !body.hasNonNull("input")) return missing(n, "body.input");
      JsonNode stream = body.get("stream");
      if (stream != null && !stream.isNull() && !(stream.isBoolean() && !stream.asBoolean())) {
        return LineError.at(n, "invalid_request", "body.stream",
            "Streaming is not available in a batch: 'body.stream' must be absent or false.");
      }
      String lineModel = body.get("model").asText();
      if (model == null) model = lineModel;
      if (!model.equals(lineModel)) {
        return LineError.at(n, "model_mismatch", "body.model",
            "The model '" + lineModel + "' differs from the file's first model '" + model
                + "'; a batch uses one model.");
      }
      if (!modelServed.test(lineModel)) {
        return LineError.at(n, "model_not_found", "body.model",
            "The model '" + lineModel + "' is not served by any configured backend.");
      }
      acceptedCustomId = customId.asText();
      return null;
    }

    private static LineError missing(int line, String param) {
      return LineError.at(line, "missing_required_parameter", param,
          "Missing required parameter: '" + param + "'.");
    }
  }
}
