package dev.barge.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The kinds of model backend Barge can send work to. */
public enum BackendType {
  OPENAI("openai"),
  ANTHROPIC("anthropic"),
  GEMINI("gemini"),
  EMBEDDINGS_LOCAL("embeddings-local"),
  SIMULATOR("simulator");

  private final String yamlName;

  BackendType(String yamlName) {
    this.yamlName = yamlName;
  }

  @JsonValue
  public String yamlName() {
    return yamlName;
  }

  @JsonCreator
  public static BackendType of(String name) {
    for (BackendType t : values()) if (t.yamlName.equals(name)) return t;
    throw new IllegalArgumentException("'" + name + "' is not a backend type; use one of "
        + Arrays.stream(values()).map(BackendType::yamlName).collect(Collectors.joining(", ")));
  }
}
