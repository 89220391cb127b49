package dev.barge.upstream;

import java.time.Duration;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a backend said about its rate limits in {@code x-ratelimit-*} headers (OpenAI's names): the
 * per-minute limits, what is left, and when it is whole again. Null where a header was absent.
 */
public record RateLimitHeaders(Long limitRequests, Long remainingRequests, Duration resetRequests,
    Long limitTokens, Long remainingTokens, Duration resetTokens) {

  public static final RateLimitHeaders NONE = new RateLimitHeaders(null, null, null, null, null, null);
  private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");

  /** {@code header} looks up a response header by lower-case name. */
  public static RateLimitHeaders from(Function<String, String> header) {
    RateLimitHeaders h = new RateLimitHeaders(number(header.apply("x-ratelimit-limit-requests")),
        number(header.apply("x-ratelimit-remaining-requests")), duration(header.apply("x-ratelimit-reset-requests")),
        number(header.apply("x-ratelimit-limit-tokens")), number(header.apply("x-ratelimit-remaining-tokens")),
        duration(header.apply("x-ratelimit-reset-tokens")));
    return h.equals(NONE) ? NONE : h;
  }

  private static Long number(String value) {
    if (value == null) return null;
    try {
      long n = Long.parseLong(value.trim());
      return n >= 0 ? n : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A reset time in Go's style, as OpenAI sends it: {@code 12ms}, {@code 1s}, {@code 6m0s}, {@code 1.5s}. */
  static Duration duration(String value) {
    if (value == null || value.isBlank()) return null;
    Matcher m = GO_DURATION_PART.matcher(value.trim());
    double millis = 0;
    int end = 0;
    while (m.find() && m.start() == end) {
      double n = Double.parseDouble(m.group(1));
      millis += switch (m.group(2)) {
        case "h" -> n * 3_600_000;
        case "m" -> n * 60_000;
        case "s" -> n * 1_000;
        default -> n;
      };
      end = m.end();
    }
    return end == value.trim().length() && end > 0 ? Duration.ofMillis((long) Math.ceil(millis)) : null;
  }
}
