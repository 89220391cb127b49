package dev.barge.config;

import java.util.List;

/** {@code auth:} the accepted API keys. None configured: any caller is accepted, on loopback only. */
public record AuthConfig(List<ApiKey> apiKeys) {
  public AuthConfig {
    apiKeys = apiKeys == null ? List.of() : List.copyOf(apiKeys);
  }

  public static AuthConfig defaults() {
    return new AuthConfig(null);
  }

  public boolean open() {
    return apiKeys.isEmpty();
  }
}
