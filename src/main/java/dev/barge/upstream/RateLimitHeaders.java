package dev.barge.upstream;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a backend said about its rate limits in its headers: the per-minute limits, what is left, and when
 * it is whole again. Null where a header was absent. Read in OpenAI's dialect ({@code x-ratelimit-*},
 * resets as durations) or, when none of those came, Anthropic's ({@code anthropic-ratelimit-*}, resets
 * as RFC 3339 times).
 */
public record RateLimitHeaders(Long limitRequests, Long remainingRequests, Duration resetRequests,
    Long limitTokens, Long remainingTokens, Duration resetTokens) {

  public static final RateLimitHeaders NONE = new RateLimitHeaders(null, null, null, null, null, null);
  private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");

  /** {@code header} looks up a response header by lower-case name; {@code now} is when the answer came. */
  public static RateLimitHeaders from(Function<String, String> header, Instant now) {
    RateLimitHeaders openAi = new RateLimitHeaders(number(header.apply("x-ratelimit-limit-requests")),
        number(header.apply("x-ratelimit-remaining-requests")), duration(header.apply("x-ratelimit-reset-requests")),
        number(header.apply("x-ratelimit-limit-tokens")), number(header.apply("x-ratelimit-remaining-tokens")),
        duration(header.apply("x-ratelimit-reset-tokens")));
    if (!openAi.equals(NONE)) return openAi;
    RateLimitHeaders anthropic = new RateLimitHeaders(number(header.apply("anthropic-ratelimit-requests-limit")),
        number(header.apply("anthropic-ratelimit-requests-remaining")),
        until(header.apply("anthropic-ratelimit-requests-reset"), now),
        number(header.apply("anthropic-ratelimit-tokens-limit")),
        number(header.apply("anthropic-ratelimit-tokens-remaining")),
        until(header.apply("anthropic-ratelimit-tokens-reset"), now));
    return anthropic.equals(NONE) ? NONE : anthropic;
  }

  /** The wait until an RFC 3339 time, as Anthropic sends resets; zero for one already past. */
  static Duration until(String value, Instant now) {
    if (value == null || value.isBlank()) return null;
    try {
      Duration wait = Duration.between(now, OffsetDateTime.parse(value.trim()).toInstant());
      return wait.isNegative() ? Duration.ZERO : wait;
    } catch (DateTimeParseException e) {
      return null;
    }
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
