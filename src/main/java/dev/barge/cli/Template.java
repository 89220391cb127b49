package dev.barge.cli;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A prompt template: text with {@code {{name}}} placeholders filled from a row or a file. A placeholder
 * the row does not have is an error naming it, never an empty string in a prompt.
 */
record Template(String text) {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^{}]+?)\\s*}}");

  /** Thrown when a placeholder has no value. */
  static final class MissingVariable extends RuntimeException {
    MissingVariable(String name, Map<String, String> values) {
      super("the template uses {{" + name + "}}, which is not among " + values.keySet());
    }
  }

  String fill(Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      if (value == null) throw new MissingVariable(m.group(1), values);
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
