package dev.barge.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.barge.batch.Excerpt;
import io.javalin.http.Context;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A caller's JSON body, read with a cap on its size: a body that announces more (Content-Length) or
 * streams more (chunked) is refused with 413 before more of it is read. A parsed tree costs many times
 * its text in heap, so no endpoint may read an unbounded one. The cap is also the parser's
 * {@code maxDocumentLength}. Numbers with a fraction or exponent are read as exact decimals. The body
 * must be sent as {@code application/json} (else 415); one the client stops sending midway ends in
 * {@link IncompleteBody}.
 */
final class JsonBody {
  /** Bodies of the control endpoints (create batch, budget): small objects. */
  static final long CONTROL_MAX_BYTES = 1024 * 1024;

  private final long maxBytes;
  private final String setting;
  private final ObjectMapper json;

  /**
   * @param maxBytes the largest body accepted
   * @param setting the configuration key that sets the cap, named in the 413 message; null when fixed
   */
  JsonBody(long maxBytes, String setting) {
    this.maxBytes = maxBytes;
    this.setting = setting;
    this.json = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxDocumentLength(maxBytes).build()).build())
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
  }

  /** A body of at most {@code maxBytes} read as a JSON object: 413 when larger, 400 when not a JSON object. */
  JsonNode object(Context ctx) throws IOException {
    try (InputStream in = open(ctx)) {
      return asObject(json.readTree(in));
    } catch (JsonProcessingException e) {
      throw notJson(e);
    }
  }

  /** The body's bytes (at most {@code maxBytes}) and the JSON object they hold, for a body passed on as it came. */
  record Bytes(byte[] bytes, JsonNode object) {}

  Bytes bytes(Context ctx) throws IOException {
    byte[] bytes;
    try (InputStream in = open(ctx)) {
      bytes = in.readAllBytes();
    }
    try {
      return new Bytes(bytes, asObject(json.readTree(bytes)));
    } catch (JsonProcessingException e) {
      throw notJson(e);
    }
  }

  /** The body as it arrives, up to the cap (413 past it), for a body too large to hold as a tree. */
  InputStream stream(Context ctx) throws IOException {
    return open(ctx);
  }

  /** A streaming parser over {@code body} (from {@link #stream}, perhaps wrapped); close it when done. */
  JsonParser parser(InputStream body) throws IOException {
    return json.createParser(body);
  }

  /** Reads one value of {@code parser} (from {@link #parser}) as a tree. */
  JsonNode readTree(JsonParser parser) throws IOException {
    return json.readTree(parser);
  }

  /** The answer to a parse failure of the body: 413 for a constraint on size, else 400. */
  ApiException notJson(JsonProcessingException e) {
    if (e instanceof StreamConstraintsException) return tooLarge(e.getOriginalMessage());
    return ApiException.badRequest(null, "The request body is not valid JSON: " + e.getOriginalMessage());
  }

  private InputStream open(Context ctx) throws IOException {
    requireJson(ctx.contentType());
    if (ctx.req().getContentLengthLong() > maxBytes) throw tooLarge(null);
    return new Bounded(ctx.req().getInputStream());
  }

  /**
   * The body must say it is JSON, as every SDK's does: a body of another type is what an HTML form or a
   * page's "simple" fetch sends, which a browser sends to any site without asking.
   */
  private static void requireJson(String contentType) {
    String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].strip();
    if (!mediaType.equalsIgnoreCase("application/json")) {
      throw new ApiException(415, "invalid_request_error", null, "unsupported_media_type", "Send the body as JSON,"
          + " with 'Content-Type: application/json'"
          + (contentType == null ? "." : ", not '" + Excerpt.of(contentType) + "'."));
    }
  }

  private static JsonNode asObject(JsonNode body) {
    if (body == null || !body.isObject()) throw ApiException.badRequest(null, "The request body must be a JSON object.");
    return body;
  }

  private ApiException tooLarge(String detail) {
    String limit = maxBytes % (1024 * 1024) == 0 ? maxBytes / (1024 * 1024) + " MB" : maxBytes + " bytes";
    return new ApiException(413, "invalid_request_error", null, "request_too_large",
        "The request body is larger than this endpoint's limit of " + limit
            + (setting == null ? "" : " (" + setting + ")") + (detail == null ? "." : ": " + detail));
  }

  /** The body as it arrives, up to the cap: past it, the request is too large (413), not read further. */
  private final class Bounded extends FilterInputStream {
    private long read;

    Bounded(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buf, int off, int len) {
      int n;
      try {
        n = super.read(buf, off, len);
      } catch (IOException e) {
        throw new IncompleteBody(e);
      }
      if (n > 0) count(n);
      return n;
    }

    private void count(long n) {
      read += n;
      if (read > maxBytes) throw tooLarge(null);
    }
  }
}
