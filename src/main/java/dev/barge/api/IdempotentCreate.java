package dev.barge.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.barge.batch.IdempotencyKeys;
import dev.barge.batch.NotFoundException;
import dev.barge.batch.Sha256;
import dev.barge.store.IdempotencyKey;
import dev.barge.store.IdempotencyStore;
import io.javalin.http.Context;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One create request (a file, a batch, a message batch) and its {@code Idempotency-Key} header. With a key,
 * a repeat of the request within 24 hours, by the same project, creates nothing and is answered with what
 * the first one created, as it is now, marked {@code Idempotent-Replayed: true}; the key with another
 * request is a 409. A request is told apart by its fingerprint: a SHA-256 over its route and what it
 * asks for, taken as the body is read (an upload may be gigabytes). Only a request that created something
 * holds its key: one that failed can be sent again, corrected or not, under the same key.
 */
final class IdempotentCreate {
  private static final Logger log = LoggerFactory.getLogger(IdempotentCreate.class);
  private static final String HEADER = "Idempotency-Key";
  private static final int MAX_KEY_LENGTH = 255;
  /** Printable ASCII: a UUID, or an SDK's "stainless-java-retry-<uuid>". */
  private static final Pattern KEY = Pattern.compile("[\\x20-\\x7E]+");

  private final IdempotencyKeys keys;
  private final String route;
  private final String key;
  private final MessageDigest fingerprint;

  private IdempotentCreate(IdempotencyKeys keys, String route, String key) {
    this.keys = keys;
    this.route = route;
    this.key = key;
    this.fingerprint = key == null ? null : Sha256.digest();
    add(route);
  }

  /** Reads the request's key, before its body: a bad one is the caller's 400 at once. */
  static IdempotentCreate of(Context ctx, String route, IdempotencyKeys keys) {
    String key = ctx.header(HEADER);
    if (key != null) {
      key = key.strip();
      if (key.isEmpty() || key.length() > MAX_KEY_LENGTH || !KEY.matcher(key).matches()) {
        throw ApiException.badRequest(HEADER, "The " + HEADER + " header must be 1 to " + MAX_KEY_LENGTH
            + " printable ASCII characters (a UUID, say); got " + key.length() + " characters"
            + (KEY.matcher(key).matches() || key.isEmpty() ? "." : ", not all of them printable ASCII."));
      }
    }
    return new IdempotentCreate(keys, route, key);
  }

  /** Whether the request has a key, so that what it asks for must be fingerprinted. */
  boolean keyed() {
    return key != null;
  }

  /** Adds a part of what the request asks for; null and empty differ, and parts cannot run into each other. */
  IdempotentCreate add(String part) {
    return add(part == null ? null : part.getBytes(StandardCharsets.UTF_8));
  }

  IdempotentCreate add(byte[] part) {
    if (fingerprint != null) {
      fingerprint.update(ByteBuffer.allocate(Integer.BYTES).putInt(part == null ? -1 : part.length).array());
      if (part != null) fingerprint.update(part);
    }
    return this;
  }

  /** The body as it is read, taken into the fingerprint when the request has a key; read it to its end. */
  InputStream reading(InputStream body) {
    return fingerprint == null ? body : new DigestInputStream(body, fingerprint);
  }

  /**
   * Answers the request once its body is read: what {@code create} makes (claiming the key with it), or,
   * when the key was used before, what that request made ({@code find} by id).
   */
  <T> void answer(Context ctx, Function<IdempotencyKey, T> create, Function<String, T> find,
      Function<T, ? extends JsonNode> render) {
    if (key == null) {
      ctx.json(render.apply(create.apply(null)));
      return;
    }
    IdempotencyKey claim = new IdempotencyKey(key, route, HexFormat.of().formatHex(fingerprint.digest()));
    Optional<IdempotencyStore.Use> earlier = keys.find(Auth.project(ctx), key);
    if (earlier.isEmpty()) {
      try {
        ctx.json(render.apply(create.apply(claim)));
        return;
      } catch (IdempotencyStore.KeyTaken e) { // a request with the key was a moment faster
        earlier = Optional.of(e.earlier());
      }
    }
    IdempotencyStore.Use use = earlier.get();
    if (!use.fingerprint().equals(claim.fingerprint())) {
      throw conflict("The " + HEADER + " '" + key + "' was already used in the last 24 hours for a different"
          + " request (" + use.route() + (use.route().equals(route) ? " with other content" : "")
          + "); send a new key with a new request.");
    }
    T object;
    try {
      object = find.apply(use.objectId());
    } catch (NotFoundException e) {
      throw conflict("The " + HEADER + " '" + key + "' created " + use.objectId() + ", which has since been deleted;"
          + " send a new key to create it again.");
    }
    log.info("{} for project {} answered with {}, which an earlier request with its Idempotency-Key created", route,
        Auth.project(ctx), use.objectId());
    ctx.header("Idempotent-Replayed", "true");
    ctx.json(render.apply(object));
  }

  private static ApiException conflict(String message) {
    return new ApiException(409, "invalid_request_error", HEADER, "idempotency_key_reused", message);
  }
}
