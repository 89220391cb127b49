package dev.barge.config;

/** {@code server:} where the HTTP API listens. */
public record ServerConfig(String host, Integer port) {
  public ServerConfig {
    if (host == null || host.isBlank()) host = "127.0.0.1";
    if (port == null) port = 8080;
    if (port < 0 || port > 65535) throw new IllegalArgumentException("port: must be 0..65535, was " + port);
  }

  public static ServerConfig defaults() {
    return new ServerConfig(null, null);
  }
}
