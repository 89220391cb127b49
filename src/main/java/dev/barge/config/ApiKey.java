package dev.barge.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One API key and the project it acts for. In YAML either a plain string (project {@code default})
 * or {@code {key: ..., project: ..., admin: true}}.
 *
 * @param admin whether the key also sees what spans every project: {@code /metrics} and the backends
 *     ({@code GET /v1/barge/backends}); default false
 */
public record ApiKey(String key, String project, boolean admin) {
  public static final String DEFAULT_PROJECT = "default";

  public ApiKey {
    if (key == null || key.isBlank()) throw new IllegalArgumentException("key: must not be empty");
    if (project == null || project.isBlank()) project = DEFAULT_PROJECT;
  }

  /** A key of {@code project} without admin rights. */
  public ApiKey(String key, String project) {
    this(key, project, false);
  }

  @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
  static ApiKey of(@JsonProperty("key") String key, @JsonProperty("project") String project,
      @JsonProperty("admin") Boolean admin) {
    return new ApiKey(key, project, Boolean.TRUE.equals(admin));
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static ApiKey of(String key) {
    return new ApiKey(key, DEFAULT_PROJECT);
  }

  @Override
  public String toString() {
    return "ApiKey[project=" + project + ", admin=" + admin + "]"; // never print the key itself
  }
}
