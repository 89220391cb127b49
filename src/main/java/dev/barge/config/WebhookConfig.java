package dev.barge.config;

import java.net.URI;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * One entry of {@code webhooks:}: where batch events go and the secret they are signed with (Standard
 * Webhooks: {@code whsec_} and base64, or any other text used as it is).
 *
 * @param events the event types wanted; default all of them: {@code batch.completed}, {@code batch.failed},
 *     {@code batch.expired}, {@code batch.cancelled} and, for background responses, {@code response.completed},
 *     {@code response.incomplete}, {@code response.failed}, {@code response.cancelled}
 * @param projects the projects whose batches the endpoint hears of; null (the default) for every project
 */
public record WebhookConfig(String url, String secret, List<String> events, List<String> projects) {
  public static final List<String> EVENTS = List.of("batch.completed", "batch.failed", "batch.expired",
      "batch.cancelled", "response.completed", "response.incomplete", "response.failed", "response.cancelled");

  public WebhookConfig {
    if (url == null || !url.matches("https?://\\S+")) throw new IllegalArgumentException("url: must be an http(s) URL");
    URI.create(url);
    if (secret == null || secret.isBlank()) throw new IllegalArgumentException("secret: required (e.g. whsec_…)");
    if (secret.startsWith("whsec_")) {
      byte[] key;
      try {
        key = Base64.getDecoder().decode(secret.substring(6));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("secret: after 'whsec_' must come base64");
      }
      if (key.length == 0) throw new IllegalArgumentException("secret: the key after 'whsec_' is empty");
    }
    events = events == null ? EVENTS : List.copyOf(events);
    for (String e : events) {
      if (!Set.copyOf(EVENTS).contains(e)) throw new IllegalArgumentException("events: unknown event '" + e + "'; use " + EVENTS);
    }
    if (projects != null) {
      if (projects.isEmpty()) throw new IllegalArgumentException("projects: list at least one project, or leave it out for all");
      for (String p : projects) {
        if (p == null || p.isBlank()) throw new IllegalArgumentException("projects: a project name must not be empty");
      }
      projects = List.copyOf(projects);
    }
  }

  /** An endpoint for every project's batches. */
  public WebhookConfig(String url, String secret, List<String> events) {
    this(url, secret, events, null);
  }

  /** Whether the endpoint hears of the batches of {@code project}. */
  public boolean covers(String project) {
    return projects == null || projects.contains(project);
  }

  /** The signing key: the base64 after {@code whsec_}, or the secret's own bytes. */
  public byte[] key() {
    return secret.startsWith("whsec_") ? Base64.getDecoder().decode(secret.substring(6))
        : secret.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "WebhookConfig[url=" + url + ", events=" + events + ", projects=" + (projects == null ? "all" : projects)
        + "]"; // never print the secret
  }
}
