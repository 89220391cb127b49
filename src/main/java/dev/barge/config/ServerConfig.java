package dev.barge.config;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * {@code server:} where the HTTP API listens, and how long synchronous requests may wait for a backend.
 *
 * @param interactiveWait how long a synchronous request waits for a free slot before 503 (default 1m)
 * @param flexWait how long a {@code "service_tier": "flex"} request waits before 429 (default 2m)
 * @param flexDiscount price reduction of flex requests against real-time prices (default 0.5, as hosted APIs)
 * @param publicBaseUrl where clients reach this server (e.g. {@code https://barge.example.com} behind a proxy),
 *     for URLs Barge hands out; null: its own listening address
 * @param maxRequestBytes the largest body a synchronous request (chat completions, messages, ...) may have
 *     (default 8 MiB): room for long prompts and a few images, while a body's parsed JSON costs many times its size
 * @param maxSyncShare the most of a backend's concurrency that synchronous requests may hold at once (default
 *     0.9): the rest stays for batch work, so batches keep moving beside a steady synchronous load
 */
public record ServerConfig(String host, Integer port, String interactiveWait, String flexWait,
    BigDecimal flexDiscount, String publicBaseUrl, Integer maxRequestBytes, BigDecimal maxSyncShare) {
  public ServerConfig {
    if (host == null || host.isBlank()) host = "127.0.0.1";
    if (port == null) port = 8080;
    if (port < 0 || port > 65535) throw new IllegalArgumentException("port: must be 0..65535, was " + port);
    if (interactiveWait == null) interactiveWait = "1m";
    if (flexWait == null) flexWait = "2m";
    Durations.require("interactive_wait", interactiveWait);
    Durations.require("flex_wait", flexWait);
    if (flexDiscount == null) flexDiscount = new BigDecimal("0.5");
    Fractions.require("flex_discount", flexDiscount);
    if (maxSyncShare == null) maxSyncShare = new BigDecimal("0.9");
    Fractions.require("max_sync_share", maxSyncShare);
    if (maxSyncShare.signum() == 0) throw new IllegalArgumentException("max_sync_share: must be more than 0");
    if (publicBaseUrl != null) {
      if (!publicBaseUrl.matches("https?://[^/\\s?#]+/?")) {
        throw new IllegalArgumentException("public_base_url: must be http(s)://host[:port], was '" + publicBaseUrl + "'");
      }
      publicBaseUrl = publicBaseUrl.replaceAll("/+$", "");
    }
    if (maxRequestBytes == null) maxRequestBytes = 8 * 1024 * 1024;
    if (maxRequestBytes <= 0) throw new IllegalArgumentException("max_request_bytes: must be positive");
  }

  public ServerConfig(String host, Integer port, String interactiveWait, String flexWait, BigDecimal flexDiscount,
      String publicBaseUrl) {
    this(host, port, interactiveWait, flexWait, flexDiscount, publicBaseUrl, null, null);
  }

  public ServerConfig(String host, Integer port) {
    this(host, port, null, null, null, null);
  }

  public static ServerConfig defaults() {
    return new ServerConfig(null, null);
  }

  public Duration interactiveWaitDuration() {
    return Durations.parse(interactiveWait);
  }

  public Duration flexWaitDuration() {
    return Durations.parse(flexWait);
  }
}
