package dev.barge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.errors.NotFoundException;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import dev.barge.config.BargeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Files live as long as {@code expires_after} says, then answer 404; a batch's per-request results as long
 * as {@code batch.results_retention} says. Time is a clock the test moves.
 */
class FileExpiryTest {
  @RegisterExtension final BargeExtension e2e = new BargeExtension();

  /** A clock that stands still until the test moves it. */
  static final class MovableClock extends Clock {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-26T12:00:00Z"));

    void advance(Duration d) {
      now.updateAndGet(i -> i.plus(d));
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @Test
  void fileAnswers404OnceItsExpiryHasPassed() throws Exception {
    MovableClock clock = new MovableClock();
    TestBarge barge = e2e.start(BargeConfig.embeddedDefault(), clock);
    OpenAIClient client = barge.client();
    Path input = Files.writeString(e2e.dir().resolve("short.jsonl"),
        Lines.embeddingLine("a", "all-MiniLM-L6-v2", "x") + "\n");
    FileObject file = client.files().create(FileCreateParams.builder().file(input).purpose(FilePurpose.BATCH)
        .expiresAfter(FileCreateParams.ExpiresAfter.builder().anchor(JsonValue.from("created_at")).seconds(3600)
            .build())
        .build());
    assertThat(file.expiresAt()).contains(file.createdAt() + 3600);

    clock.advance(Duration.ofSeconds(3599));
    assertThat(client.files().retrieve(file.id()).id()).isEqualTo(file.id());
    clock.advance(Duration.ofSeconds(2));
    assertThatThrownBy(() -> client.files().retrieve(file.id())).isInstanceOf(NotFoundException.class);
    assertThat(client.files().list().data()).isEmpty();
  }

  @Test
  void aBatchsPerRequestResultsAreArchivedAfterTheRetentionWhileItsFilesAndCountsStay() throws Exception {
    MovableClock clock = new MovableClock();
    TestBarge barge = e2e.start(BargeConfig.embeddedDefault(), clock);
    OpenAIClient client = barge.client();
    String input = TestBarge.upload(client, e2e.dir(), "in.jsonl", List.of(
        Lines.embeddingLine("a", "all-MiniLM-L6-v2", "x"), Lines.embeddingLine("b", "all-MiniLM-L6-v2", "y")));
    Batch done = TestBarge.awaitEnd(client,
        TestBarge.create(client, input, BatchCreateParams.Endpoint.V1_EMBEDDINGS, "24h").id(), Duration.ofMinutes(1));
    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    HttpClient http = HttpClient.newHttpClient();
    Function<String, HttpResponse<String>> get = path -> {
      try {
        return http.send(HttpRequest.newBuilder(URI.create(barge.baseUrl + path)).build(),
            HttpResponse.BodyHandlers.ofString());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    assertThat(get.apply("/batches/" + done.id() + "/partial").statusCode()).isEqualTo(200);

    clock.advance(Duration.ofDays(29).plusMinutes(2)); // the default retention, and a sweep

    ObjectMapper json = new ObjectMapper();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !json.readTree(
        get.apply("/batches/" + done.id()).body()).path("barge").path("archived_at").isNull());
    HttpResponse<String> partial = get.apply("/batches/" + done.id() + "/partial");
    assertThat(partial.statusCode()).isEqualTo(404);
    assertThat(partial.body()).contains("archived");
    assertThat(get.apply("/batches/" + done.id() + "/errors").statusCode()).isEqualTo(404);
    Batch archived = client.batches().retrieve(done.id());
    assertThat(archived.requestCounts().orElseThrow().completed()).isEqualTo(2);
    assertThat(client.files().content(archived.outputFileId().orElseThrow()).body().readAllBytes()).isNotEmpty();
  }
}
