package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.genai.Client;
import com.google.genai.errors.ClientException;
import com.google.genai.types.BatchJob;
import com.google.genai.types.BatchJobSource;
import com.google.genai.types.Content;
import com.google.genai.types.CreateBatchJobConfig;
import com.google.genai.types.EmbedContentBatch;
import com.google.genai.types.EmbeddingsBatchJobSource;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import com.google.genai.types.InlinedEmbedContentResponse;
import com.google.genai.types.InlinedRequest;
import com.google.genai.types.InlinedResponse;
import com.google.genai.types.JobState;
import com.google.genai.types.ListBatchJobsConfig;
import com.google.genai.types.Part;
import com.google.genai.types.UploadFileConfig;
import dev.barge.config.ApiKey;
import dev.barge.config.AuthConfig;
import dev.barge.config.BackendConfig;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Gemini batch API driven by the official Google Gen AI SDK for Java, its base URL changed to Barge's:
 * generateContent requests run on an OpenAI-type backend (the simulator over HTTP) translated, embeddings
 * on the local model of the embedded default.
 */
class GeminiBatchesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "gemini-key";
  private static final Set<JobState.Known> ENDED = Set.of(JobState.Known.JOB_STATE_SUCCEEDED,
      JobState.Known.JOB_STATE_FAILED, JobState.Known.JOB_STATE_CANCELLED, JobState.Known.JOB_STATE_EXPIRED);

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private TestBarge barge;

  /** Barge with keys, the simulator behind it at {@code latencyMs}; a client on the SDK's default API version. */
  private Client start(int latencyMs) {
    BackendConfig chat = TestBarge.simulatorBackend(e2e.simulator(latencyMs), MODEL, new LimitsConfig(null, null, 4));
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(chat, BackendConfig.localEmbeddings()))
        .withAuth(new AuthConfig(List.of(new ApiKey(KEY, "evals"), new ApiKey("other-key", "other")))));
    return client(KEY, null);
  }

  private Client client(String key, String apiVersion) {
    HttpOptions.Builder options = HttpOptions.builder().baseUrl(barge.baseUrl.replace("/v1", ""))
        .retryOptions(HttpRetryOptions.builder().attempts(1).build()); // a refusal shows at once
    if (apiVersion != null) options.apiVersion(apiVersion);
    return Client.builder().apiKey(key).httpOptions(options.build()).build();
  }

  private static InlinedRequest.Builder ask(String text, String key) {
    return InlinedRequest.builder().contents(Content.fromParts(Part.fromText(text))).metadata(Map.of("key", key))
        .config(GenerateContentConfig.builder().systemInstruction(Content.fromParts(Part.fromText("Answer briefly.")))
            .temperature(0f).maxOutputTokens(64));
  }

  private static BatchJob awaitEnded(Client client, String name) {
    BatchJob[] last = new BatchJob[1];
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      last[0] = client.batches.get(name, null);
      return ENDED.contains(last[0].state().orElseThrow().knownEnum());
    });
    return last[0];
  }

  @Test
  void anInlineBatchAnswersEachRequestUnderItsMetadataAndABadRequestFailsAlone() throws Exception {
    Client client = start(0);
    List<InlinedRequest> requests = new ArrayList<>();
    for (int i = 0; i < 5; i++) requests.add(ask("Question " + i + ": what is a barge?", "q" + i).build());
    // An image part: the OpenAI-type backend cannot carry it, so this request is refused on its own.
    requests.add(InlinedRequest.builder().contents(Content.fromParts(Part.fromBytes(new byte[] {1, 2, 3}, "image/png")))
        .metadata(Map.of("key", "image")).build());
    BatchJob created = client.batches.create(MODEL, BatchJobSource.builder().inlinedRequests(requests).build(),
        CreateBatchJobConfig.builder().displayName("nightly eval").build());
    assertThat(created.name().orElseThrow()).startsWith("batches/");
    assertThat(created.displayName()).contains("nightly eval");
    assertThat(created.model()).contains("models/" + MODEL);
    assertThat(created.state().orElseThrow().knownEnum())
        .isIn(JobState.Known.JOB_STATE_PENDING, JobState.Known.JOB_STATE_RUNNING);

    BatchJob ended = awaitEnded(client, created.name().orElseThrow());
    assertThat(ended.state().orElseThrow().knownEnum()).isEqualTo(JobState.Known.JOB_STATE_SUCCEEDED);
    assertThat(ended.endTime()).isPresent();
    List<InlinedResponse> responses = ended.dest().orElseThrow().inlinedResponses().orElseThrow();
    Map<String, InlinedResponse> byKey = responses.stream()
        .collect(Collectors.toMap(r -> r.metadata().orElseThrow().get("key"), r -> r));
    assertThat(byKey).hasSize(6);
    for (int i = 0; i < 5; i++) {
      var response = byKey.get("q" + i).response().orElseThrow();
      assertThat(response.text()).startsWith("Simulated reply");
      assertThat(response.usageMetadata().orElseThrow().candidatesTokenCount().orElseThrow()).isPositive();
    }
    var refused = byKey.get("image");
    assertThat(refused.response()).isEmpty();
    assertThat(refused.error().orElseThrow().code()).contains(3); // INVALID_ARGUMENT
    assertThat(refused.error().orElseThrow().message().orElseThrow()).contains("not supported");

    // The counts as the REST API gives them (the SDK does not read them): int64 strings.
    JsonNode stats = rest("GET", "/v1beta/" + created.name().orElseThrow(), KEY).at("/metadata/batchStats");
    assertThat(stats.get("requestCount").asText()).isEqualTo("6");
    assertThat(stats.get("successfulRequestCount").asText()).isEqualTo("5");
    assertThat(stats.get("failedRequestCount").asText()).isEqualTo("1");
    assertThat(stats.get("pendingRequestCount").asText()).isEqualTo("0");
  }

  @Test
  void aFileBatchWritesAResponsesFileKeyedByTheLinesKeys() throws Exception {
    Client client = start(0);
    StringBuilder jsonl = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      jsonl.append("{\"key\":\"row-").append(i).append("\",\"request\":{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":")
          .append("\"Summarise document ").append(i).append("\"}]}],\"generationConfig\":{\"temperature\":0}}}\n");
    }
    var file = client.files.upload(jsonl.toString().getBytes(StandardCharsets.UTF_8),
        UploadFileConfig.builder().mimeType("jsonl").displayName("docs.jsonl").build());
    assertThat(file.name().orElseThrow()).startsWith("files/");
    assertThat(file.sizeBytes()).contains((long) jsonl.length());
    assertThat(client.files.get(file.name().orElseThrow(), null).displayName()).contains("docs.jsonl");

    BatchJob created = client.batches.create(MODEL, BatchJobSource.builder().fileName(file.name().orElseThrow()).build(),
        CreateBatchJobConfig.builder().displayName("docs").build());
    BatchJob ended = awaitEnded(client, created.name().orElseThrow());
    assertThat(ended.state().orElseThrow().knownEnum()).isEqualTo(JobState.Known.JOB_STATE_SUCCEEDED);
    String responsesFile = ended.dest().orElseThrow().fileName().orElseThrow();

    Path saved = e2e.dir().resolve("responses.jsonl");
    client.files.download(responsesFile, saved.toString(), null);
    List<String> lines = Files.readAllLines(saved);
    assertThat(lines).hasSize(20);
    Set<String> keys = new HashSet<>();
    for (String line : lines) {
      JsonNode row = JSON.readTree(line);
      keys.add(row.get("key").asText());
      assertThat(row.at("/response/candidates/0/content/parts/0/text").asText()).startsWith("Simulated reply");
      assertThat(row.at("/response/usageMetadata/promptTokenCount").asLong()).isPositive();
    }
    assertThat(keys).hasSize(20).contains("row-0", "row-19");
    // The input may go now: the batch copied its requests when it was created.
    client.files.delete(file.name().orElseThrow(), null);
    assertThatThrownBy(() -> client.files.get(file.name().orElseThrow(), null))
        .isInstanceOf(ClientException.class).hasMessageContaining("404");
  }

  @Test
  void anEmbeddingsBatchRunsOnTheLocalModel() {
    Client client = start(0);
    List<Content> texts = List.of(Content.fromParts(Part.fromText("a barge on the river")),
        Content.fromParts(Part.fromText("a tug pulling a barge")));
    BatchJob created = client.batches.createEmbeddings(BackendConfig.LOCAL_EMBEDDINGS_MODEL,
        EmbeddingsBatchJobSource.builder().inlinedRequests(EmbedContentBatch.builder().contents(texts)).build(), null);
    BatchJob ended = awaitEnded(client, created.name().orElseThrow());
    assertThat(ended.state().orElseThrow().knownEnum()).isEqualTo(JobState.Known.JOB_STATE_SUCCEEDED);
    List<InlinedEmbedContentResponse> responses = ended.dest().orElseThrow().inlinedEmbedContentResponses().orElseThrow();
    assertThat(responses).hasSize(2);
    for (InlinedEmbedContentResponse r : responses) {
      assertThat(r.response().orElseThrow().embedding().orElseThrow().values().orElseThrow()).hasSize(384);
    }
  }

  @Test
  void listPagesCancelStopsABatchAndDeleteRemovesIt() {
    Client client = start(500); // slow enough to cancel while running
    List<String> names = new ArrayList<>();
    for (int b = 0; b < 3; b++) {
      List<InlinedRequest> requests = new ArrayList<>();
      for (int i = 0; i < 40; i++) requests.add(ask("batch " + b + " question " + i, "k" + i).build());
      names.add(client.batches.create(MODEL, BatchJobSource.builder().inlinedRequests(requests).build(), null)
          .name().orElseThrow());
    }
    // Two pages of two, newest first, through the page token; the v1beta path as well as the default v1.
    var pager = client(KEY, "v1beta").batches.list(ListBatchJobsConfig.builder().pageSize(2).build());
    List<String> listed = new ArrayList<>();
    pager.forEach(job -> listed.add(job.name().orElseThrow()));
    assertThat(listed).containsExactly(names.get(2), names.get(1), names.get(0));
    // Another project sees none of them.
    Client other = client("other-key", null);
    assertThat(other.batches.list(ListBatchJobsConfig.builder().pageSize(10).build()).page()).isEmpty();
    assertThatThrownBy(() -> other.batches.get(names.get(0), null)).isInstanceOf(ClientException.class)
        .hasMessageContaining("404");

    client.batches.cancel(names.get(0), null);
    BatchJob cancelled = awaitEnded(client, names.get(0));
    assertThat(cancelled.state().orElseThrow().knownEnum()).isEqualTo(JobState.Known.JOB_STATE_CANCELLED);
    List<InlinedResponse> responses = cancelled.dest().orElseThrow().inlinedResponses().orElseThrow();
    assertThat(responses).hasSize(40);
    assertThat(responses.stream().filter(r -> r.error().isPresent()).map(r -> r.error().get().code().orElseThrow()))
        .isNotEmpty().containsOnly(1); // CANCELLED, for the requests never sent

    // Delete stops a running batch too, then removes it from the list.
    client.batches.delete(names.get(1), null);
    client.batches.delete(names.get(0), null);
    assertThatThrownBy(() -> client.batches.get(names.get(1), null)).isInstanceOf(ClientException.class)
        .hasMessageContaining("404");
    List<String> left = new ArrayList<>();
    client.batches.list(ListBatchJobsConfig.builder().pageSize(10).build())
        .forEach(job -> left.add(job.name().orElseThrow()));
    assertThat(left).containsExactly(names.get(2));
  }

  @Test
  void badBatchesAreRefusedWithGooglesErrorNamingWhatIsWrong() throws Exception {
    Client client = start(0);
    var file = client.files.upload("{\"key\":\"a\",\"request\":{\"contents\":[]}}\nnot json\n"
        .getBytes(StandardCharsets.UTF_8), UploadFileConfig.builder().mimeType("jsonl").displayName("bad.jsonl").build());
    assertThatThrownBy(() -> client.batches.create(MODEL, BatchJobSource.builder().fileName(file.name().orElseThrow())
        .build(), null)).isInstanceOf(ClientException.class).hasMessageContaining("line 2");

    HttpResponse<String> noBatch = raw("POST", "/v1beta/models/" + MODEL + ":batchGenerateContent", KEY, "{}");
    assertThat(noBatch.statusCode()).isEqualTo(400);
    JsonNode error = JSON.readTree(noBatch.body()).get("error");
    assertThat(error.get("code").asInt()).isEqualTo(400);
    assertThat(error.get("status").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(error.get("message").asText()).contains("batch");

    assertThat(raw("POST", "/v1beta/models/" + MODEL + ":batchDance", KEY, "{}").statusCode()).isEqualTo(404);
    HttpResponse<String> noKey = raw("GET", "/v1beta/batches", null, null);
    assertThat(noKey.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(noKey.body()).at("/error/status").asText()).isEqualTo("UNAUTHENTICATED");
    // The key as REST samples pass it.
    assertThat(raw("GET", "/v1beta/batches?key=" + KEY, null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void anUploadInChunksMakesOneFileAndBadUploadsAreRefused() throws Exception {
    start(0);
    HttpResponse<String> started = raw("POST", "/upload/v1beta/files", KEY, "{\"file\": {\"displayName\": \"two.jsonl\"}}",
        "X-Goog-Upload-Protocol", "resumable", "X-Goog-Upload-Command", "start");
    assertThat(started.statusCode()).isEqualTo(200);
    String url = started.headers().firstValue("x-goog-upload-url").orElseThrow();
    String first = "{\"key\":\"a\",\"request\":{\"contents\":[{\"parts\":[{\"text\":\"hi\"}]}]}}\n";
    String second = "{\"key\":\"b\",\"request\":{\"contents\":[{\"parts\":[{\"text\":\"ho\"}]}]}}\n";
    HttpResponse<String> chunk = raw("POST", url, KEY, first, "X-Goog-Upload-Command", "upload",
        "X-Goog-Upload-Offset", "0");
    assertThat(chunk.headers().firstValue("x-goog-upload-status")).contains("active");
    // A chunk at the wrong offset is refused, naming what was expected; the upload goes on.
    assertThat(raw("POST", url, KEY, second, "X-Goog-Upload-Command", "upload, finalize", "X-Goog-Upload-Offset", "5")
        .statusCode()).isEqualTo(400);
    HttpResponse<String> last = raw("POST", url, KEY, second, "X-Goog-Upload-Command", "upload, finalize",
        "X-Goog-Upload-Offset", Integer.toString(first.length()));
    assertThat(last.statusCode()).as(last.body()).isEqualTo(200);
    JsonNode file = JSON.readTree(last.body()).get("file");
    assertThat(file.get("displayName").asText()).isEqualTo("two.jsonl");
    assertThat(file.get("sizeBytes").asText()).isEqualTo(Integer.toString(first.length() + second.length()));
    assertThat(raw("GET", "/download/v1beta/" + file.get("name").asText() + ":download?alt=media", KEY, null).body())
        .isEqualTo(first + second);

    assertThat(raw("POST", "/upload/v1beta/files", KEY, "{not json", "X-Goog-Upload-Protocol", "resumable",
        "X-Goog-Upload-Command", "start").statusCode()).isEqualTo(400);
    assertThat(raw("POST", "/upload/v1beta/files", KEY, "{}", "X-Goog-Upload-Protocol", "multipart").statusCode())
        .isEqualTo(400);
    // A later chunk of an upload this server never saw (another node took the first).
    HttpResponse<String> stray = raw("POST", "/upload/v1beta/files?upload_id=elsewhere", KEY, second,
        "X-Goog-Upload-Command", "upload, finalize", "X-Goog-Upload-Offset", "100");
    assertThat(stray.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(stray.body()).at("/error/message").asText()).contains("same node");
  }

  private JsonNode rest(String method, String path, String key) throws Exception {
    HttpResponse<String> response = raw(method, path, key, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private HttpResponse<String> raw(String method, String path, String key, String body, String... headers)
      throws Exception {
    String url = path.startsWith("http") ? path : barge.baseUrl.replace("/v1", "") + path;
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (headers.length > 0) request.headers(headers);
    if (key != null) request.header("x-goog-api-key", key);
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
  }
}
