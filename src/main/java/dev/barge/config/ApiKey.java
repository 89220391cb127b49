package dev.barge.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One API key and the project it acts for. In YAML either a plain string (project {@code default})
 * or {@code {key: ..., project: ...}}.
 */
public record ApiKey(String key, String project) {
  public static final String DEFAULT_PROJECT = "default";

  @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
  public ApiKey(@JsonProperty("key") String key, @JsonProperty("project") String project) {
    if (key == null || key.isBlank()) throw new IllegalArgumentException("key: must not be empty");
    if (project == null || project.isBlank()) project = DEFAULT_PROJECT;
    this.key = key;
    this.project = project;
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static ApiKey of(String key) {
    return new ApiKey(key, DEFAULT_PROJECT);
  }

  @Override
  public String toString() {
    return "ApiKey[project=" + project + "]"; // never print the key itself
  }
}
