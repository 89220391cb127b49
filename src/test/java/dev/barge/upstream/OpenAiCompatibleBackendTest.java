package dev.barge.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP backend against a scripted server: what it sends, and how each kind of answer is classified. */
class OpenAiCompatibleBackendTest {
  private HttpServer server;
  private final Map<String, String> seen = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/", exchange -> {
      String script = exchange.getRequestURI().getPath();
      seen.put("path", script);
      seen.put("auth", String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
      seen.put("body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      if (seen.get("body").equals("trickle")) {
        // Headers at once, then a byte every 100 ms: never a long silence, but no end in sight either.
        exchange.sendResponseHeaders(200, 1_000);
        try (var out = exchange.getResponseBody()) {
          for (int i = 0; i < 1_000; i++) {
            out.write('x');
            out.flush();
            Thread.sleep(100);
          }
        } catch (IOException | InterruptedException e) {
          return; // the caller gave up
        }
        return;
      }
      if (seen.get("body").equals("huge")) {
        exchange.sendResponseHeaders(200, 200L * 1024 * 1024);
        exchange.getResponseBody().write("{\"data\":[".getBytes(StandardCharsets.UTF_8));
        exchange.getResponseBody().flush();
        exchange.close();
        return;
      }
      int status = 200;
      String body = "{\"ok\":true}";
      if (script.endsWith("/completions") && !script.contains("chat")) {
        status = 429;
        exchange.getResponseHeaders().add("retry-after", "7");
        body = "{\"error\":{\"message\":\"slow down\"}}";
      } else if (script.endsWith("/embeddings")) {
        status = 503;
        exchange.getResponseHeaders().add("retry-after-ms", "250");
      } else if (script.endsWith("/moderations")) {
        status = 400;
        body = "{\"error\":{\"message\":\"bad\"}}";
      } else if (script.endsWith("/responses")) {
        try {
          Thread.sleep(1500);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      exchange.getResponseHeaders().add("x-request-id", "req_upstream");
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private OpenAiCompatibleBackend backend(String baseUrl) {
    return new OpenAiCompatibleBackend(new BackendConfig("up", BackendType.OPENAI, baseUrl, "sk-test",
        List.of("m"), null, "500ms", null), Clock.systemUTC());
  }

  private String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/";
  }

  @Test
  void sendsTheBodyWithTheKeyBelowTheBaseUrl() {
    try (OpenAiCompatibleBackend b = backend(baseUrl())) {
      Outcome o = b.send(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8));
      assertThat(o).isEqualTo(new Outcome.Success(200, "{\"ok\":true}", "req_upstream"));
      assertThat(seen).containsEntry("path", "/v1/chat/completions").containsEntry("auth", "Bearer sk-test")
          .containsEntry("body", "{\"model\":\"m\"}");
    }
  }

  @Test
  void answersAreClassifiedWithTheWaitTheBackendAskedFor() {
    try (OpenAiCompatibleBackend b = backend(baseUrl())) {
      assertThat(b.send(Endpoint.COMPLETIONS, new byte[0])).isInstanceOfSatisfying(Outcome.RateLimited.class,
          r -> assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(7)));
      assertThat(b.send(Endpoint.EMBEDDINGS, new byte[0])).isInstanceOfSatisfying(Outcome.Retryable.class,
          r -> assertThat(r.retryAfter()).isEqualTo(Duration.ofMillis(250)));
      assertThat(b.send(Endpoint.MODERATIONS, new byte[0])).isInstanceOfSatisfying(Outcome.Rejected.class,
          r -> assertThat(r.body()).contains("bad"));
    }
  }

  @Test
  void noAnswerInTimeIsATransportFailure() {
    try (OpenAiCompatibleBackend b = backend(baseUrl())) {
      assertThat(b.send(Endpoint.RESPONSES, new byte[0])).isInstanceOfSatisfying(Outcome.TransportFailure.class,
          f -> assertThat(f.reason()).contains("no answer within"));
    }
  }

  @Test
  void aBackendTricklingItsAnswerIsCutOffAtTheTimeoutOfTheWholeCall() {
    try (OpenAiCompatibleBackend b = backend(baseUrl())) {
      long start = System.nanoTime();
      assertThat(b.send(Endpoint.CHAT_COMPLETIONS, "trickle".getBytes(StandardCharsets.UTF_8)))
          .isInstanceOfSatisfying(Outcome.TransportFailure.class,
              f -> assertThat(f.reason()).isEqualTo("the answer did not finish arriving within 500ms"));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
    }
  }

  @Test
  void anAnswerLargerThanBargeReadsIsAFinal502() {
    try (OpenAiCompatibleBackend b = backend(baseUrl())) {
      assertThat(b.send(Endpoint.CHAT_COMPLETIONS, "huge".getBytes(StandardCharsets.UTF_8)))
          .isInstanceOfSatisfying(Outcome.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.body()).contains("backend_answer_too_large", "128 MiB");
          });
    }
  }

  @Test
  void refusedConnectionIsATransportFailureThatNamesNoAddress() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (OpenAiCompatibleBackend b = backend("http://127.0.0.1:" + closedPort + "/v1")) {
      assertThat(b.send(Endpoint.CHAT_COMPLETIONS, new byte[0])).isInstanceOfSatisfying(Outcome.TransportFailure.class,
          f -> assertThat(f.reason()).isEqualTo("the backend refused the connection")
              .doesNotContain("127.0.0.1", String.valueOf(closedPort), "Exception"));
    }
  }
}
