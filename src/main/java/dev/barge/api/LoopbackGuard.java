package dev.barge.api;

import dev.barge.batch.Excerpt;
import io.javalin.http.Context;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * With no API keys configured, Barge trusts whatever reaches it on loopback, and so would trust any web
 * page the user has open: a page may POST to 127.0.0.1 without asking (a form, or {@code text/plain}
 * fetch), and by DNS rebinding read answers under its own host name. So in that mode every request must
 * name a loopback host, and an API request must not come from another site ({@code Origin},
 * {@code Sec-Fetch-Site}). The dashboard calls the API from its own (loopback) origin and passes. The host
 * of {@code server.public_base_url}, when set, counts as loopback: the operator named it (a proxy on
 * this machine).
 */
final class LoopbackGuard {
  private static final Pattern IPV4_LOOPBACK = Pattern.compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

  private final String publicHost;

  /** @param publicBaseUrl {@code server.public_base_url}, or null */
  LoopbackGuard(String publicBaseUrl) {
    this.publicHost = publicBaseUrl == null ? null : URI.create(publicBaseUrl).getHost();
  }

  /** Before every request: the Host must be a loopback name, with any port. */
  void checkHost(Context ctx) {
    String host = ctx.header("Host");
    if (host == null || !allowed(withoutPort(host))) {
      throw forbidden("misdirected_host", "Without API keys Barge answers only requests addressed to a loopback"
          + " name (localhost, 127.0.0.1, [::1]) or the host of server.public_base_url, not to '"
          + (host == null ? "" : Excerpt.of(host)) + "'. Use one of those, or configure auth.api_keys.");
    }
  }

  /** Before every API request: a browser must not send it from another site's page. */
  void checkSite(Context ctx) {
    String origin = ctx.header("Origin");
    if (origin != null && !isLoopbackOrigin(origin)) {
      throw forbidden("cross_site_request", "Without API keys Barge refuses requests from web pages of other"
          + " sites (Origin '" + Excerpt.of(origin) + "'). Call it from a program, from its dashboard, or configure"
          + " auth.api_keys.");
    }
    if ("cross-site".equalsIgnoreCase(ctx.header("Sec-Fetch-Site"))) {
      throw forbidden("cross_site_request", "Without API keys Barge refuses requests from web pages of other sites"
          + " (Sec-Fetch-Site: cross-site). Call it from a program, from its dashboard, or configure auth.api_keys.");
    }
  }

  private static ApiException forbidden(String code, String message) {
    return new ApiException(403, "invalid_request_error", null, code, message);
  }

  private boolean isLoopbackOrigin(String origin) {
    try {
      URI uri = new URI(origin);
      String scheme = uri.getScheme();
      return uri.getHost() != null && ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))
          && allowed(uri.getHost());
    } catch (URISyntaxException e) {
      return false; // "null" (a sandboxed or local page) among others
    }
  }

  /** {@code host[:port]} or {@code [v6]:port} without its port. */
  private static String withoutPort(String host) {
    int colon = host.lastIndexOf(':');
    return colon > host.lastIndexOf(']') ? host.substring(0, colon) : host;
  }

  private boolean allowed(String host) {
    return isLoopback(host) || host.equalsIgnoreCase(publicHost);
  }

  private static boolean isLoopback(String name) {
    String host = name.toLowerCase(Locale.ROOT);
    return host.equals("localhost") || host.endsWith(".localhost") || host.equals("[::1]")
        || IPV4_LOOPBACK.matcher(host).matches();
  }
}
