package dev.barge.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** When a simulator enforcing rate limits sends its {@code x-ratelimit-*} headers. */
public enum SimulatorLimitHeaders {
  /** On every answer, as OpenAI does. */
  ALWAYS,
  /** Only on its 429 answers, as some hosted APIs and gateways do. */
  ON_429;

  @JsonValue
  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static SimulatorLimitHeaders of(String value) {
    for (SimulatorLimitHeaders h : values()) {
      if (h.yamlName().equals(value)) return h;
    }
    throw new IllegalArgumentException("limit_headers: must be one of "
        + Arrays.stream(values()).map(SimulatorLimitHeaders::yamlName).collect(Collectors.joining(", "))
        + ", was '" + value + "'");
  }
}
