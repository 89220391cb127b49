package dev.barge.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy in front of Barge that loses the answer to the first request to one path, as a network that
 * times out would: the request reaches Barge and does its work, then the connection breaks before the client
 * hears anything, so the client's SDK sends the request again. Every other exchange passes through.
 */
final class LossyProxy implements AutoCloseable {
  /** Headers of one hop: the JDK client sets these itself (the body is passed on whole, with its length). */
  private static final Set<String> HOP = Set.of("connection", "content-length", "expect", "host", "upgrade",
      "transfer-encoding");

  private final HttpServer server;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String target;
  private final String lossyPath;
  private final AtomicInteger seen = new AtomicInteger();

  /** A proxy to {@code target} (scheme, host and port) that loses the first answer to a POST to {@code lossyPath}. */
  LossyProxy(String target, String lossyPath) throws IOException {
    this.target = target;
    this.lossyPath = lossyPath;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::forward);
    server.start();
  }

  /** Where clients reach the proxy: scheme, host and port. */
  String address() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** How many POSTs to the lossy path reached Barge through the proxy. */
  int requestsToLossyPath() {
    return seen.get();
  }

  private void forward(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
        .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    exchange.getRequestHeaders().forEach((name, values) -> {
      if (!HOP.contains(name.toLowerCase())) values.forEach(v -> request.header(name, v));
    });
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    boolean lossy = exchange.getRequestMethod().equals("POST") && exchange.getRequestURI().getPath().equals(lossyPath);
    if (lossy && seen.incrementAndGet() == 1) {
      // Barge has answered; the client never hears it: the server drops a connection whose handler fails.
      throw new IOException("the proxy loses this answer");
    }
    response.headers().map().forEach((name, values) -> {
      if (!HOP.contains(name.toLowerCase()) && !name.startsWith(":")) {
        exchange.getResponseHeaders().put(name, values);
      }
    });
    exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(response.body());
    }
  }

  @Override
  public void close() {
    server.stop(0);
    http.close();
  }
}
