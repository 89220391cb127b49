package dev.barge.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.background.BackgroundLoop;
import dev.barge.config.WebhookConfig;
import dev.barge.store.WebhookStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers batch and background response events to the configured endpoints, signed per Standard Webhooks, on a thread of its own
 * so a slow receiver never holds up the engine. Deliveries live in the store: an attempt that fails, or
 * that a crash cuts off, comes again with exponential backoff, for up to 72 hours. At least once.
 */
public final class WebhookSender implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long TICK_MS = 500;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final Duration GIVE_UP_AFTER = Duration.ofHours(72);
  private static final Duration FIRST_RETRY = Duration.ofSeconds(5);
  private static final Duration LONGEST_WAIT = Duration.ofHours(1);
  /** Events (and their deliveries) are kept this long: well past the give-up time, for a look afterwards. */
  private static final Duration KEEP_EVENTS = Duration.ofDays(7);
  private static final long PRUNE_EVERY_MS = Duration.ofHours(1).toMillis();

  private final WebhookStore store;
  private final Map<String, WebhookConfig> endpoints;
  private final Clock clock;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  private final ExecutorService sending = Executors.newVirtualThreadPerTaskExecutor();
  private final BackgroundLoop loop = new BackgroundLoop("barge-webhooks", this::round);
  private long lastPrune = Long.MIN_VALUE / 2;

  public WebhookSender(WebhookStore store, List<WebhookConfig> endpoints, Clock clock) {
    this.store = store;
    this.endpoints = endpoints.stream().collect(Collectors.toMap(WebhookConfig::url, Function.identity(), (a, b) -> a));
    this.clock = clock;
  }

  public WebhookSender start() {
    loop.start();
    return this;
  }

  private long round() {
    try {
      long now = clock.millis();
      for (WebhookConfig endpoint : endpoints.values()) {
        store.fanOut(endpoint.url(), endpoint.events(), endpoint.projects(), now - GIVE_UP_AFTER.toMillis());
      }
      for (WebhookStore.Due due : store.due(List.copyOf(endpoints.keySet()), now, 100)) {
        WebhookConfig endpoint = endpoints.get(due.endpoint());
        if (!endpoint.covers(due.project())) {
          // Owed from before the endpoint was limited to other projects: this project's events stay private.
          store.gaveUp(due, "the endpoint no longer covers project " + due.project(), now);
          continue;
        }
        // Taken with a fallback time: if this attempt never reports (a crash), it comes again then.
        if (store.take(due, now + TIMEOUT.toMillis() * 3)) sending.submit(() -> deliver(endpoint, due));
      }
      if (now - lastPrune >= PRUNE_EVERY_MS) {
        lastPrune = now;
        int pruned = store.prune(now - KEEP_EVENTS.toMillis());
        if (pruned > 0) log.info("deleted {} webhook events older than {}", pruned, KEEP_EVENTS);
      }
    } catch (RuntimeException e) {
      log.error("webhook round failed: {}", e.toString());
    }
    return TICK_MS;
  }

  private void deliver(WebhookConfig endpoint, WebhookStore.Due due) {
    long now = clock.millis();
    String body = payload(due);
    String timestamp = Long.toString(now / 1000);
    String error;
    try {
      HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(endpoint.url())).timeout(TIMEOUT)
          .header("content-type", "application/json")
          .header("webhook-id", due.eventId())
          .header("webhook-timestamp", timestamp)
          .header("webhook-signature", "v1," + sign(endpoint.key(), due.eventId() + "." + timestamp + "." + body))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
      if (response.statusCode() >= 200 && response.statusCode() < 300) {
        store.delivered(due, clock.millis());
        log.info("webhook {} {} delivered to {}", due.type(), due.eventId(), endpoint.url());
        return;
      }
      error = "answered " + response.statusCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return; // shutting down: the fallback time brings it back
    } catch (Exception e) {
      error = "no answer: " + e;
    }
    int attempts = due.attempts() + 1;
    if (clock.millis() - due.createdAt() >= GIVE_UP_AFTER.toMillis()) {
      store.gaveUp(due, error, clock.millis());
      log.warn("webhook {} {} to {} given up after {} attempts: {}", due.type(), due.eventId(), endpoint.url(),
          attempts, error);
      return;
    }
    long wait = Math.min(LONGEST_WAIT.toMillis(), FIRST_RETRY.toMillis() << Math.min(attempts - 1, 20));
    store.failed(due, error, clock.millis() + wait);
    log.warn("webhook {} {} to {} failed (attempt {}), again in {} s: {}", due.type(), due.eventId(), endpoint.url(),
        attempts, wait / 1000, error);
  }

  /** The event as the spec writes it. */
  private static String payload(WebhookStore.Due due) {
    ObjectNode event = JSON.createObjectNode().put("id", due.eventId()).put("object", "event").put("type", due.type())
        .put("created_at", due.createdAt() / 1000);
    event.putObject("data").put("id", due.subjectId());
    return event.toString();
  }

  static String sign(byte[] key, String content) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has HmacSHA256", e);
    }
  }

  @Override
  public void close() {
    loop.close();
    sending.shutdownNow();
  }
}
