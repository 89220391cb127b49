package dev.barge.upstream;

import java.util.Map;

/**
 * Anthropic's error types and the HTTP statuses they stand for: a batch result carries only the type, and
 * its outcome is classified by the status a real-time call would have had.
 */
public final class AnthropicErrorTypes {
  private static final Map<String, Integer> STATUS_OF_TYPE = Map.ofEntries(
      Map.entry("invalid_request_error", 400),
      Map.entry("authentication_error", 401),
      Map.entry("billing_error", 402),
      Map.entry("permission_error", 403),
      Map.entry("not_found_error", 404),
      Map.entry("request_too_large", 413),
      Map.entry("rate_limit_error", 429),
      Map.entry("api_error", 500),
      Map.entry("timeout_error", 504),
      Map.entry("overloaded_error", 529));

  private AnthropicErrorTypes() {}

  /** The status of an error type; an unknown type is taken for the provider's own failure, a 500. */
  public static int status(String type) {
    return STATUS_OF_TYPE.getOrDefault(type, 500);
  }

  /** The error type of a status, as Anthropic names it; any other 4xx is an invalid request, any 5xx an api_error. */
  public static String type(int status) {
    return switch (status) {
      case 401 -> "authentication_error";
      case 402 -> "billing_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 504 -> "timeout_error";
      case 529 -> "overloaded_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
  }
}
