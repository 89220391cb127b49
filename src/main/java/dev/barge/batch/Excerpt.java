package dev.barge.batch;

import com.fasterxml.jackson.databind.node.TextNode;

/**
 * A caller's value as an error message quotes it: its first 200 characters (then "…"), so a huge value
 * cannot make a message huge (messages are stored and read back with a batch), and with control
 * characters escaped, so a NUL never reaches a database column.
 */
public final class Excerpt {
  static final int MAX_CHARS = 200;

  private Excerpt() {}

  /** {@code value} cut to 200 characters, control characters written as {@code \\uXXXX}. */
  public static String of(String value) {
    String cut = cut(value);
    StringBuilder out = null;
    for (int i = 0; i < cut.length(); i++) {
      char c = cut.charAt(i);
      if (Character.isISOControl(c)) {
        if (out == null) out = new StringBuilder(cut.length() + 8).append(cut, 0, i);
        out.append(String.format("\\u%04x", (int) c));
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? cut : out.toString();
  }

  /** {@code value} cut to 200 characters, as a JSON string (in double quotes, escaped). */
  public static String json(String value) {
    return TextNode.valueOf(cut(value)).toString();
  }

  private static String cut(String value) {
    if (value.length() <= MAX_CHARS) return value;
    int end = Character.isHighSurrogate(value.charAt(MAX_CHARS - 1)) ? MAX_CHARS - 1 : MAX_CHARS; // keep pairs whole
    return value.substring(0, end) + "…";
  }
}
