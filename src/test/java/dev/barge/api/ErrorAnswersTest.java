package dev.barge.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.store.DatabaseBusyException;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How the API answers failures that are not the caller's mistake. */
class ErrorAnswersTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private Javalin app;

  @AfterEach
  void stop() {
    if (app != null) app.stop();
  }

  @Test
  void aBusyDatabaseIsA503ToRetryNotAServerError() throws Exception {
    app = Javalin.create(c -> c.showJavalinBanner = false);
    ApiServer.registerErrors(app);
    app.get("/v1/batches", ctx -> {
      throw new DatabaseBusyException("no connection of the pool barge-api came free in 2000 ms",
          Duration.ofSeconds(1), new SQLTransientConnectionException("timed out"));
    });
    app.start("127.0.0.1", 0);

    HttpResponse<String> answer;
    try (HttpClient http = HttpClient.newHttpClient()) {
      answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/v1/batches")).build(),
          HttpResponse.BodyHandlers.ofString());
    }

    assertThat(answer.statusCode()).isEqualTo(503);
    assertThat(answer.headers().firstValue("retry-after")).hasValue("1");
    assertThat(answer.headers().firstValue("x-should-retry")).isEmpty();
    JsonNode error = JSON.readTree(answer.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("overloaded");
    assertThat(error.path("message").asText()).contains("busy");
  }
}
