package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.batches.MessageBatch;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.OpenAIIoException;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import dev.barge.config.ApiKey;
import dev.barge.config.AuthConfig;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.BargeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Creates with an {@code Idempotency-Key}: a retry gets what the first request created and creates nothing,
 * whether it comes later, at the same moment, or from an SDK whose first answer was lost; the key with
 * another request is a 409. Each test has its own project, so its lists hold only its own objects.
 */
class IdempotencyTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @RegisterExtension static final BargeExtension e2e = new BargeExtension();
  private static TestBarge barge;
  private static String address;

  @BeforeAll
  static void start() {
    BackendConfig sim = new BackendConfig("sim", BackendType.SIMULATOR, null, null, List.of(MODEL), null, null, null);
    List<ApiKey> keys = IntStream.rangeClosed(1, 12).mapToObj(i -> new ApiKey("key-" + i, "project-" + i)).toList();
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(sim)).withAuth(new AuthConfig(keys)));
    address = barge.baseUrl.replace("/v1", "");
  }

  private static HttpRequest.Builder request(String apiKey, String path) {
    return HttpRequest.newBuilder(URI.create(address + path)).header("Authorization", "Bearer " + apiKey);
  }

  private static HttpResponse<String> post(String apiKey, String path, String idempotencyKey, String contentType,
      byte[] body) throws Exception {
    HttpRequest.Builder r = request(apiKey, path).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (idempotencyKey != null) r.header("Idempotency-Key", idempotencyKey);
    return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> createBatch(String apiKey, String idempotencyKey, String body) throws Exception {
    return post(apiKey, "/v1/batches", idempotencyKey, "application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  private static String batchBody(String fileId, String note) {
    return "{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\","
        + "\"metadata\":{\"note\":\"" + note + "\"}}";
  }

  private static JsonNode get(String apiKey, String path) throws Exception {
    return JSON.readTree(HTTP.send(request(apiKey, path).GET().build(), HttpResponse.BodyHandlers.ofString()).body());
  }

  private static String upload(String apiKey) {
    return TestBarge.upload(barge.client(apiKey), e2e.dir(), apiKey + ".jsonl", Lines.chat(2, MODEL));
  }

  private static String id(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body()).get("id").asText();
  }

  /** A multipart upload of {@code content} as {@code in.jsonl}, framed with {@code boundary}. */
  private static byte[] multipart(String boundary, String content) {
    return ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
        + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aRepeatedCreateWithTheSameKeyAnswersTheFirstBatchAndCreatesNoOther() throws Exception {
    String body = batchBody(upload("key-1"), "first");
    HttpResponse<String> first = createBatch("key-1", "retry-me", body);
    HttpResponse<String> again = createBatch("key-1", "retry-me", body);

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
    assertThat(id(again)).isEqualTo(id(first));
    assertThat(JSON.readTree(again.body()).get("object").asText()).isEqualTo("batch");
    assertThat(get("key-1", "/v1/batches").get("data")).hasSize(1);
  }

  @Test
  void theSameKeyWithAnotherRequestIs409NamingTheKeyAndCreatesNothing() throws Exception {
    String fileId = upload("key-2");
    assertThat(createBatch("key-2", "used-once", batchBody(fileId, "first")).statusCode()).isEqualTo(200);

    HttpResponse<String> other = createBatch("key-2", "used-once", batchBody(fileId, "second"));
    assertThat(other.statusCode()).isEqualTo(409);
    assertThat(other.headers().firstValue("x-should-retry")).contains("false"); // the SDKs retry 409 otherwise
    JsonNode error = JSON.readTree(other.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo("idempotency_key_reused");
    assertThat(error.get("param").asText()).isEqualTo("Idempotency-Key");
    assertThat(error.get("message").asText()).contains("'used-once'").contains("different request");
    // The key is the project's, whatever the route: an upload with it is another request too.
    HttpResponse<String> upload = post("key-2", "/v1/files", "used-once", "multipart/form-data; boundary=b",
        multipart("b", Lines.chat(1, MODEL).getFirst()));
    assertThat(upload.statusCode()).isEqualTo(409);
    assertThat(JSON.readTree(upload.body()).at("/error/message").asText()).contains("POST /v1/batches");

    assertThat(get("key-2", "/v1/batches").get("data")).hasSize(1);
    // Only the upload: the refused one left nothing (the batch may have finished and added its output file).
    assertThat(get("key-2", "/v1/files?purpose=batch").get("data")).hasSize(1);
  }

  @Test
  void oneKeyInTwoProjectsStandsForOneObjectInEach() throws Exception {
    HttpResponse<String> ofThree = createBatch("key-3", "shared", batchBody(upload("key-3"), "x"));
    HttpResponse<String> ofFour = createBatch("key-4", "shared", batchBody(upload("key-4"), "x"));
    assertThat(ofFour.statusCode()).isEqualTo(200);
    assertThat(ofFour.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(id(ofFour)).isNotEqualTo(id(ofThree));
  }

  @Test
  void concurrentCreatesWithOneKeyMakeOneBatch() throws Exception {
    String body = batchBody(upload("key-5"), "at once");
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      sent.add(HTTP.sendAsync(request("key-5", "/v1/batches").header("Content-Type", "application/json")
          .header("Idempotency-Key", "same-moment").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    List<String> ids = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> answer : sent) {
      assertThat(answer.get().statusCode()).as(answer.get().body()).isEqualTo(200);
      ids.add(id(answer.get()));
    }
    assertThat(ids).containsOnly(ids.getFirst());
    assertThat(get("key-5", "/v1/batches").get("data")).hasSize(1);
  }

  @Test
  void aRepeatedUploadAnswersTheFirstFileWhateverBoundaryFramesIt() throws Exception {
    String content = String.join("\n", Lines.chat(3, MODEL));
    HttpResponse<String> first = post("key-6", "/v1/files", "upload-1", "multipart/form-data; boundary=first",
        multipart("first", content));
    HttpResponse<String> again = post("key-6", "/v1/files", "upload-1", "multipart/form-data; boundary=another",
        multipart("another", content));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
    assertThat(again.body()).isEqualTo(first.body()); // a file never changes: the very same answer

    HttpResponse<String> otherBytes = post("key-6", "/v1/files", "upload-1", "multipart/form-data; boundary=first",
        multipart("first", content + "\n" + Lines.chat(4, MODEL).getLast()));
    assertThat(otherBytes.statusCode()).isEqualTo(409);
    assertThat(get("key-6", "/v1/files").get("data")).hasSize(1);

    HTTP.send(request("key-6", "/v1/files/" + id(first)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> afterDelete = post("key-6", "/v1/files", "upload-1", "multipart/form-data; boundary=first",
        multipart("first", content));
    assertThat(afterDelete.statusCode()).isEqualTo(409);
    assertThat(JSON.readTree(afterDelete.body()).at("/error/message").asText()).contains(id(first))
        .contains("deleted");
  }

  @Test
  void aRepeatedMessageBatchCreateAnswersTheFirstAndAnotherBodyIs409InAnthropicsEnvelope() throws Exception {
    String body = "{\"requests\":[{\"custom_id\":\"a\",\"params\":{\"model\":\"" + MODEL + "\",\"max_tokens\":8,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}]}";
    HttpResponse<String> first = post("key-7", "/v1/messages/batches", "msg-1", "application/json",
        body.getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> again = post("key-7", "/v1/messages/batches", "msg-1", "application/json",
        body.getBytes(StandardCharsets.UTF_8));
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
    assertThat(id(again)).isEqualTo(id(first)).startsWith("msgbatch_");

    HttpResponse<String> other = post("key-7", "/v1/messages/batches", "msg-1", "application/json",
        body.replace("hi", "hello").getBytes(StandardCharsets.UTF_8));
    assertThat(other.statusCode()).isEqualTo(409);
    JsonNode error = JSON.readTree(other.body());
    assertThat(error.get("type").asText()).isEqualTo("error");
    assertThat(error.at("/error/type").asText()).isEqualTo("conflict_error");
    assertThat(error.at("/error/message").asText()).contains("'msg-1'");
    assertThat(get("key-7", "/v1/messages/batches").get("data")).hasSize(1);
  }

  @Test
  void aKeyOfMoreThan255CharactersIs400AndCreatesNothing() throws Exception {
    String body = batchBody(upload("key-8"), "long key");
    HttpResponse<String> tooLong = createBatch("key-8", "k".repeat(256), body);
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(tooLong.body()).at("/error/param").asText()).isEqualTo("Idempotency-Key");
    assertThat(JSON.readTree(tooLong.body()).at("/error/message").asText()).contains("255");
    assertThat(get("key-8", "/v1/batches").get("data")).isEmpty();
    assertThat(createBatch("key-8", "k".repeat(255), body).statusCode()).isEqualTo(200);
  }

  @Test
  void anSdkRetryAfterALostAnswerGetsTheBatchTheFirstAttemptCreated() throws Exception {
    String fileId = upload("key-9");
    try (LossyProxy proxy = new LossyProxy(address, "/v1/batches")) {
      OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(proxy.address() + "/v1").apiKey("key-9")
          .maxRetries(2).build();
      Batch batch = client.batches().create(BatchCreateParams.builder().inputFileId(fileId)
          .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS)
          .completionWindow(BatchCreateParams.CompletionWindow._24H)
          .putAdditionalHeader("Idempotency-Key", "sdk-retry").build());

      assertThat(proxy.requestsToLossyPath()).isEqualTo(2); // the SDK sent it again after the lost answer
      assertThat(get("key-9", "/v1/batches").get("data")).singleElement()
          .satisfies(b -> assertThat(b.get("id").asText()).isEqualTo(batch.id()));
    }
  }

  @Test
  void anSdkUploadSentAgainAfterALostAnswerGetsTheFileTheFirstAttemptStored() throws Exception {
    Path input = Files.write(e2e.dir().resolve("sdk-upload.jsonl"), Lines.chat(2, MODEL));
    try (LossyProxy proxy = new LossyProxy(address, "/v1/files")) {
      OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(proxy.address() + "/v1").apiKey("key-10")
          .maxRetries(2).build();
      FileCreateParams params = FileCreateParams.builder().file(input).purpose(FilePurpose.BATCH)
          .putAdditionalHeader("Idempotency-Key", "sdk-upload").build();
      // openai-java streams a file from its path and so never retries an upload itself: the caller does.
      assertThatThrownBy(() -> client.files().create(params)).isInstanceOf(OpenAIIoException.class);
      FileObject file = client.files().create(FileCreateParams.builder().file(input).purpose(FilePurpose.BATCH)
          .putAdditionalHeader("Idempotency-Key", "sdk-upload").build());

      assertThat(proxy.requestsToLossyPath()).isEqualTo(2);
      assertThat(get("key-10", "/v1/files").get("data")).singleElement()
          .satisfies(f -> assertThat(f.get("id").asText()).isEqualTo(file.id()));
    }
  }

  @Test
  void anAnthropicSdkRetryAfterALostAnswerGetsTheMessageBatchTheFirstAttemptCreated() throws Exception {
    try (LossyProxy proxy = new LossyProxy(address, "/v1/messages/batches")) {
      AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(proxy.address()).apiKey("key-11")
          .maxRetries(2).build();
      MessageBatch batch = client.messages().batches().create(
          com.anthropic.models.messages.batches.BatchCreateParams.builder()
              .addRequest(com.anthropic.models.messages.batches.BatchCreateParams.Request.builder().customId("a")
                  .params(com.anthropic.models.messages.batches.BatchCreateParams.Request.Params.builder()
                      .model(MODEL).maxTokens(8).addUserMessage("hi").build()).build())
              .putAdditionalHeader("Idempotency-Key", "anthropic-retry").build());

      assertThat(proxy.requestsToLossyPath()).isEqualTo(2);
      assertThat(get("key-11", "/v1/messages/batches").get("data")).singleElement()
          .satisfies(b -> assertThat(b.get("id").asText()).isEqualTo(batch.id()));
    }
  }

  @Test
  void aKeyIsFreeAgainAfter24Hours() throws Exception {
    FileExpiryTest.MovableClock clock = new FileExpiryTest.MovableClock();
    BackendConfig sim = new BackendConfig("sim", BackendType.SIMULATOR, null, null, List.of(MODEL), null, null, null);
    try (TestBarge own = TestBarge.start(BargeConfig.embeddedDefault().withBackends(List.of(sim)),
        e2e.dir().resolve("clock-data"), clock)) {
      OpenAIClient client = own.client();
      String body = batchBody(TestBarge.upload(client, e2e.dir(), "day.jsonl", Lines.chat(1, MODEL)), "daily");
      HttpRequest.Builder create = HttpRequest.newBuilder(URI.create(own.baseUrl + "/batches"))
          .header("Content-Type", "application/json").header("Idempotency-Key", "daily")
          .POST(HttpRequest.BodyPublishers.ofString(body));
      HttpResponse<String> first = HTTP.send(create.build(), HttpResponse.BodyHandlers.ofString());

      clock.advance(Duration.ofHours(24).minusSeconds(1));
      HttpResponse<String> withinADay = HTTP.send(create.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(id(withinADay)).isEqualTo(id(first));
      clock.advance(Duration.ofSeconds(2));
      HttpResponse<String> nextDay = HTTP.send(create.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(nextDay.statusCode()).isEqualTo(200);
      assertThat(nextDay.headers().firstValue("Idempotent-Replayed")).isEmpty();
      assertThat(id(nextDay)).isNotEqualTo(id(first));
    }
  }
}
