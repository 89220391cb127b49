package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.regex.Pattern;

/** Google's proto-JSON, where every field may be spelled camelCase (as the SDKs send it) or snake_case. */
public final class ProtoJson {
  private static final Pattern CAPITAL = Pattern.compile("([A-Z])");

  private ProtoJson() {}

  /** The field {@code camelName} of {@code node}, or its snake_case spelling; null when neither is set. */
  public static JsonNode field(JsonNode node, String camelName) {
    JsonNode value = node.get(camelName);
    if (value == null) value = node.get(CAPITAL.matcher(camelName).replaceAll("_$1").toLowerCase(Locale.ROOT));
    return value == null || value.isNull() ? null : value;
  }
}
