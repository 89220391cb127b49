package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.errors.BadRequestException;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.batches.BatchError;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.BargeConfig;
import dev.barge.config.BatchConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each input-file rule, produced by a crafted file and reported with its line; and the synchronous create checks. */
class ValidationTest {
  private static final String OK = Lines.chatLine("ok-1", MODEL, "hello");

  @RegisterExtension static final BargeExtension e2e = new BargeExtension();
  private static TestBarge barge;
  private static OpenAIClient client;

  @BeforeAll
  static void start() {
    BackendConfig sim = new BackendConfig("sim", BackendType.SIMULATOR, null, null, List.of(MODEL, "other-model"),
        null, null, null);
    BatchConfig smallBatches = TestBarge.batch("max_requests: 5, max_line_bytes: 4096");
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(sim)).withBatch(smallBatches));
    client = barge.client();
  }

  private static List<BatchError> failedWith(String endpointPath, List<String> lines) {
    String fileId = TestBarge.upload(client, e2e.dir(), "input-" + System.nanoTime() + ".jsonl", lines);
    Batch batch = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.of(endpointPath), "24h");
    Batch done = TestBarge.awaitEnd(client, batch.id(), Duration.ofSeconds(20));
    assertThat(done.status()).isEqualTo(Batch.Status.FAILED);
    assertThat(done.failedAt()).isPresent();
    assertThat(done.requestCounts().orElseThrow().total()).isZero();
    assertThat(done.outputFileId()).isEmpty();
    return done.errors().orElseThrow().data().orElseThrow();
  }

  private static List<BatchError> failedWith(List<String> lines) {
    return failedWith("/v1/chat/completions", lines);
  }

  private static void assertError(BatchError e, String code, String param, Long line) {
    assertThat(e.code()).contains(code);
    assertThat(e.param()).isEqualTo(Optional.ofNullable(param));
    assertThat(e.line()).isEqualTo(Optional.ofNullable(line));
    assertThat(e.message()).isPresent();
  }

  @Test
  void lineThatIsNotJsonIsInvalidJsonLine() {
    List<BatchError> errors = failedWith(List.of(OK, "{not json", "[1,2]"));
    assertThat(errors).hasSize(2);
    assertError(errors.get(0), "invalid_json_line", null, 2L);
    assertError(errors.get(1), "invalid_json_line", null, 3L);
  }

  @Test
  void missingKeysAreMissingRequiredParameterNamingTheKey() {
    List<BatchError> errors = failedWith(List.of(
        "{\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"sim-chat\"}}",
        "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\"}",
        "{\"custom_id\":\"b\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"messages\":[]}}"));
    assertError(errors.get(0), "missing_required_parameter", "custom_id", 1L);
    assertError(errors.get(1), "missing_required_parameter", "body", 2L);
    assertError(errors.get(2), "missing_required_parameter", "body.model", 3L);
  }

  @Test
  void moderationsLineWithoutInputIsMissingBodyInput() {
    List<BatchError> errors = failedWith("/v1/moderations", List.of(
        "{\"custom_id\":\"m\",\"method\":\"POST\",\"url\":\"/v1/moderations\",\"body\":{\"model\":\"sim-chat\"}}"));
    assertError(errors.get(0), "missing_required_parameter", "body.input", 1L);
  }

  @Test
  void wrongTypesAndValuesAreInvalidRequest() {
    List<BatchError> errors = failedWith(List.of(
        "{\"custom_id\":\"\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"sim-chat\"}}",
        "{\"custom_id\":\"g\",\"method\":\"GET\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"sim-chat\"}}",
        "{\"custom_id\":\"s\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":\"text\"}",
        "{\"custom_id\":\"t\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"sim-chat\","
            + "\"stream\":true}}"));
    assertError(errors.get(0), "invalid_request", "custom_id", 1L);
    assertError(errors.get(1), "invalid_request", "method", 2L);
    assertError(errors.get(2), "invalid_request", "body", 3L);
    assertError(errors.get(3), "invalid_request", "body.stream", 4L);
  }

  @Test
  void lineLongerThanTheLimitIsInvalidRequestWithoutBeingRead() {
    List<BatchError> errors = failedWith(List.of(OK, Lines.chatLine("long", MODEL, "x".repeat(5000))));
    assertThat(errors).hasSize(1);
    assertError(errors.get(0), "invalid_request", null, 2L);
    assertThat(errors.get(0).message().orElseThrow()).contains("4096 bytes");
  }

  @Test
  void repeatedCustomIdIsDuplicateCustomId() {
    List<BatchError> errors = failedWith(List.of(OK, Lines.chatLine("ok-2", MODEL, "x"), OK));
    assertThat(errors).hasSize(1);
    assertError(errors.get(0), "duplicate_custom_id", "custom_id", 3L);
    assertThat(errors.get(0).message().orElseThrow()).contains("line 1");
  }

  @Test
  void urlOtherThanTheBatchEndpointIsUrlMismatch() {
    List<BatchError> errors = failedWith(List.of(OK, Lines.embeddingLine("e", MODEL, "text")));
    assertError(errors.get(0), "url_mismatch", "url", 2L);
  }

  @Test
  void secondModelInOneFileIsModelMismatch() {
    List<BatchError> errors = failedWith(List.of(OK, Lines.chatLine("x", "other-model", "hi")));
    assertError(errors.get(0), "model_mismatch", "body.model", 2L);
  }

  @Test
  void modelNoBackendServesIsModelNotFound() {
    List<BatchError> errors = failedWith(List.of(Lines.chatLine("x", "gpt-unknown", "hi")));
    assertError(errors.get(0), "model_not_found", "body.model", 1L);
  }

  @Test
  void fileWithOnlyBlankLinesIsEmptyFile() {
    List<BatchError> errors = failedWith(List.of("", "   "));
    assertThat(errors).hasSize(1);
    assertError(errors.get(0), "empty_file", null, null);
  }

  @Test
  void moreLinesThanTheBatchLimitIsTooManyTasks() {
    List<BatchError> errors = failedWith(Lines.chat(6, MODEL));
    assertThat(errors).hasSize(1);
    assertError(errors.get(0), "too_many_tasks", null, null);
  }

  @Test
  void blankLinesAndCrlfAndByteOrderMarkAreAcceptedAndLinesStillCount() {
    List<String> lines = new ArrayList<>(List.of("\uFEFF" + OK + "\r", "", Lines.chatLine("ok-3", MODEL, "x") + "\r"));
    String fileId = TestBarge.upload(client, e2e.dir(), "framing.jsonl", lines);
    Batch done = TestBarge.awaitEnd(client,
        TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "1h").id(),
        Duration.ofSeconds(20));
    assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
    assertThat(done.requestCounts().orElseThrow().total()).isEqualTo(2);
    assertThat(TestBarge.contentLines(client, done.outputFileId().orElseThrow())).hasSize(2);
  }

  @Test
  void cancellingAnEndedBatchIs400NotARetryable409() {
    String fileId = TestBarge.upload(client, e2e.dir(), "ended.jsonl", List.of("{broken"));
    Batch batch = TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "1h");
    TestBarge.awaitEnd(client, batch.id(), Duration.ofSeconds(20));
    assertThatThrownBy(() -> client.batches().cancel(batch.id()))
        .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.getMessage()).contains("failed"));
  }

  @Test
  void createWithoutInputFileIsMissingRequiredParameter() {
    assertThatThrownBy(() -> client.batches().create(BatchCreateParams.builder()
        .inputFileId(com.openai.core.JsonMissing.of())
        .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS)
        .completionWindow(BatchCreateParams.CompletionWindow._24H).build()))
        .isInstanceOfSatisfying(BadRequestException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(400);
          assertThat(e.code()).contains("missing_required_parameter");
          assertThat(e.param()).contains("input_file_id");
        });
  }

  @Test
  void createWithUnknownFileNamesTheFile() {
    assertThatThrownBy(() -> TestBarge.create(client, "file-nope", BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS,
        "24h"))
        .isInstanceOfSatisfying(BadRequestException.class, e -> {
          assertThat(e.param()).contains("file_id");
          assertThat(e.getMessage()).contains("file-nope");
        });
  }

  @Test
  void createWithUnservedEndpointOrBadWindowNamesTheField() {
    String fileId = TestBarge.upload(client, e2e.dir(), "ok.jsonl", List.of(OK));
    assertThatThrownBy(() -> TestBarge.create(client, fileId, BatchCreateParams.Endpoint.of("/v1/images/generations"), "24h"))
        .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("endpoint"));
    for (String window : List.of("soon", "0h", "100d", "10ms")) {
      assertThatThrownBy(() -> TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, window))
          .isInstanceOfSatisfying(BadRequestException.class,
              e -> assertThat(e.param()).contains("completion_window"));
    }
  }
}
