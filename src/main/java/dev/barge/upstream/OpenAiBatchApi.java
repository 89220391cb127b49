package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.config.BackendConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hc.client5.http.entity.mime.FileBody;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;

/**
 * OpenAI's Batch API with its Files API ({@code POST /files}, {@code /batches}), or a server speaking them.
 * The input is uploaded as a file streamed from disk, then the job is created on it, tagged with
 * {@code metadata.barge_job}; results are read as streams from the output and error files.
 *
 * <p>Messages requests are sent as chat completions and answered as Messages, as {@link
 * OpenAiCompatibleBackend} does in real time. Which a job holds is written in its metadata ({@code
 * barge_lines}), so that a job found again after a crash is answered in the right format too: this API
 * needs no memo.
 */
public final class OpenAiBatchApi implements ProviderBatchApi, AutoCloseable {
  static final String JOB_KEY = "barge_job";
  static final String LINES_KEY = "barge_lines";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COMPLETION_WINDOW = "24h";
  private static final int PAGE = 100;
  /** How far apart the provider's clock and ours may be, when looking for a job by its creation time. */
  private static final long CLOCK_SKEW_SECONDS = 60;

  private final String baseUrl;
  private final ProviderHttp http;

  /** @param clock unused: the provider's clock dates its jobs; taken as every backend's constructor takes it */
  public OpenAiBatchApi(BackendConfig config, Clock clock) {
    this.baseUrl = config.baseUrl().replaceAll("/+$", "");
    this.http = new ProviderHttp(config.apiKey() == null || config.apiKey().isBlank() ? Map.of()
        : Map.of("Authorization", "Bearer " + config.apiKey()), config.requestTimeout());
  }

  @Override
  public JobInput newInput() throws IOException {
    return new OpenAiJobInput();
  }

  @Override
  public Created create(String bargeJobId, JobInput input) throws IOException, ProviderJobException {
    if (!(input instanceof OpenAiJobInput lines)) {
      throw new IllegalArgumentException("the input was not made by this API's newInput()");
    }
    if (lines.requests() == 0) throw new IllegalArgumentException("a job needs at least one request");
    Path file = lines.finish();
    var upload = MultipartEntityBuilder.create()
        .addTextBody("purpose", "batch")
        .addPart("file", new FileBody(file.toFile(), ContentType.create("application/jsonl"), "barge-" + bargeJobId
            + ".jsonl"))
        .build();
    String fileId = http.post(baseUrl + "/files", upload).path("id").asText();
    ObjectNode batch = JSON.createObjectNode()
        .put("input_file_id", fileId)
        .put("endpoint", lines.providerEndpoint().path())
        .put("completion_window", COMPLETION_WINDOW);
    ObjectNode metadata = batch.putObject("metadata").put(JOB_KEY, bargeJobId);
    if (lines.endpoint() != lines.providerEndpoint()) metadata.put(LINES_KEY, lines.endpoint().path());
    return new Created(http.post(baseUrl + "/batches", batch).path("id").asText(), null);
  }

  @Override
  public Optional<Created> find(Lookup job) throws IOException {
    long oldest = job.createdSince() / 1000 - CLOCK_SKEW_SECONDS;
    String after = null;
    while (true) {
      String url = baseUrl + "/batches?limit=" + PAGE + (after == null ? ""
          : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8));
      JsonNode page = ProviderHttp.refusalAsIo(() -> http.get(url));
      // Newest first: once a page reaches past the oldest time, no later page can hold the job.
      for (JsonNode batch : page.path("data")) {
        if (batch.path("created_at").asLong() < oldest) return Optional.empty();
        if (job.bargeJobId().equals(batch.path("metadata").path(JOB_KEY).asText(null))) {
          return Optional.of(new Created(batch.path("id").asText(), null));
        }
        after = batch.path("id").asText();
      }
      if (!page.path("has_more").asBoolean() || page.path("data").isEmpty()) return Optional.empty();
    }
  }

  @Override
  public JobState status(String providerJobId) throws IOException, ProviderJobException {
    JsonNode batch = http.get(baseUrl + "/batches/" + providerJobId);
    String status = batch.path("status").asText();
    Phase phase = switch (status) {
      case "cancelling" -> Phase.CANCELLING;
      case "completed", "failed", "expired", "cancelled" -> Phase.ENDED;
      default -> Phase.RUNNING; // validating, in_progress, finalizing
    };
    JsonNode counts = batch.path("request_counts");
    ObjectNode refs = JSON.createObjectNode();
    refs.set("input_file_id", batch.path("input_file_id"));
    refs.set("output_file_id", batch.path("output_file_id"));
    refs.set("error_file_id", batch.path("error_file_id"));
    refs.set(LINES_KEY, batch.path("metadata").path(LINES_KEY));
    return new JobState(batch.path("id").asText(), phase, status, new Counts(counts.path("total").asLong(),
        counts.path("completed").asLong(), counts.path("failed").asLong()),
        status.equals("failed") ? failure(batch.path("errors")) : null, JSON.writeValueAsString(refs));
  }

  /** The messages of a failed job's errors, with the lines they name. */
  private static String failure(JsonNode errors) {
    List<String> messages = new ArrayList<>();
    for (JsonNode e : errors.path("data")) {
      String line = e.path("line").canConvertToInt() ? " (line " + e.path("line").asInt() + ")" : "";
      messages.add(e.path("message").asText(e.path("code").asText("failed")) + line);
    }
    return messages.isEmpty() ? "the provider failed the job without saying why" : String.join("; ", messages);
  }

  @Override
  public void cancel(String providerJobId) throws IOException {
    ProviderHttp.refusalAsIo(() -> http.post(baseUrl + "/batches/" + providerJobId + "/cancel"));
  }

  @Override
  public void results(JobState job, String memo, ResultSink sink) throws IOException {
    JsonNode refs = JSON.readTree(job.resultRefs());
    boolean messages = Endpoint.MESSAGES.path().equals(refs.path(LINES_KEY).asText(null));
    for (String file : new String[] {"output_file_id", "error_file_id"}) {
      String fileId = refs.path(file).asText(null);
      if (fileId != null) readLines(fileId, messages, sink);
    }
  }

  /** Deletes the job's input, output and error files: they count against the organisation's storage. */
  @Override
  public void discard(JobState job) throws IOException {
    JsonNode refs = JSON.readTree(job.resultRefs());
    for (String file : new String[] {"input_file_id", "output_file_id", "error_file_id"}) {
      String fileId = refs.path(file).asText(null);
      if (fileId != null) ProviderHttp.refusalAsIo(() -> http.delete(baseUrl + "/files/" + fileId));
    }
  }

  private void readLines(String fileId, boolean messages, ResultSink sink) throws IOException {
    try (InputStream in = ProviderHttp.refusalAsIo(() -> http.open(baseUrl + "/files/" + fileId + "/content"));
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
      for (String line; (line = lines.readLine()) != null; ) {
        if (line.isBlank()) continue;
        JsonNode result = JSON.readTree(line);
        String customId = result.path("custom_id").asText();
        JsonNode response = result.path("response");
        if (response.isObject()) {
          Outcome outcome = Outcome.classify(response.path("status_code").asInt(),
              JSON.writeValueAsString(response.path("body")), response.path("request_id").asText(null), null,
              RateLimitHeaders.NONE);
          sink.answered(customId, messages ? MessagesOverChat.answered(outcome, null, MessagesOverChat.BATCH_TIER)
              : outcome);
        } else {
          JsonNode error = result.path("error");
          sink.notRun(customId, error.path("code").asText("not_run") + ": " + error.path("message").asText(""));
        }
      }
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
