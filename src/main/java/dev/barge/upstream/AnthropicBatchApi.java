package dev.barge.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.config.BackendConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.FileEntity;

/**
 * Anthropic's Message Batches API ({@code /messages/batches}, with {@code x-api-key} and {@code
 * anthropic-version}), or a server speaking it. The create body is written to a temporary file and
 * streamed from it; results are read as a stream of JSONL.
 *
 * <p>Chat completions requests are sent as Messages and answered as chat completions, as {@link
 * AnthropicBackend} does in real time; the memo of such a job says so.
 *
 * <p><b>Finding a job again after a crash.</b> A Message Batch carries no metadata, so {@link #find} tells
 * a job by its requests: of the batches created in the time the job could have been created in (from 60 s
 * before {@code createdSince} to 60 s after the longest a create call may take), other than jobs Barge
 * knows, an ended one whose first result is a request of the job is it. While one such batch is still
 * running it cannot be told, so find throws an IOException (ask again later) rather than answer "none"
 * and have the job created twice; it answers at the latest when that batch ends (24 hours).
 */
public final class AnthropicBatchApi implements ProviderBatchApi, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PAGE = 100;
  /** How far apart the provider's clock and ours may be, when looking for a job by its creation time. */
  private static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

  private final String batchesUrl;
  private final long defaultMaxTokens;
  private final Duration createTimeout;
  private final ProviderHttp http;

  /** @param clock unused: the provider's clock dates its jobs; taken as every backend's constructor takes it */
  public AnthropicBatchApi(BackendConfig config, Clock clock) {
    this.batchesUrl = config.baseUrl().replaceAll("/+$", "") + "/messages/batches";
    this.defaultMaxTokens = config.limits().defaultOutputTokens();
    this.createTimeout = config.requestTimeout();
    Map<String, String> headers = new HashMap<>();
    headers.put("anthropic-version", AnthropicBackend.VERSION);
    if (config.apiKey() != null && !config.apiKey().isBlank()) headers.put("x-api-key", config.apiKey());
    this.http = new ProviderHttp(headers, config.requestTimeout());
  }

  @Override
  public JobInput newInput() throws IOException {
    return new AnthropicJobInput(defaultMaxTokens);
  }

  /** The memo is the endpoint of the requests when they were translated ({@code /v1/chat/completions}), else null. */
  @Override
  public Created create(String bargeJobId, JobInput input) throws IOException, ProviderJobException {
    if (!(input instanceof AnthropicJobInput requests)) {
      throw new IllegalArgumentException("the input was not made by this API's newInput()");
    }
    if (requests.requests() == 0) throw new IllegalArgumentException("a job needs at least one request");
    JsonNode batch = http.post(batchesUrl, new FileEntity(requests.finish().toFile(), ContentType.APPLICATION_JSON));
    return new Created(batch.path("id").asText(), memo(requests.endpoint()));
  }

  /** Chat completions requests are sent as Messages: their answers go back as chat completions. */
  private static String memo(Endpoint endpoint) {
    return endpoint == Endpoint.CHAT_COMPLETIONS ? Endpoint.CHAT_COMPLETIONS.path() : null;
  }

  /** See the class comment. */
  @Override
  public Optional<Created> find(Lookup job) throws IOException {
    Instant oldest = Instant.ofEpochMilli(job.createdSince()).minus(CLOCK_SKEW);
    Instant newest = Instant.ofEpochMilli(job.createdSince()).plus(createTimeout).plus(CLOCK_SKEW);
    List<String> running = new ArrayList<>();
    String after = null;
    pages:
    while (true) {
      String url = batchesUrl + "?limit=" + PAGE + (after == null ? ""
          : "&after_id=" + URLEncoder.encode(after, StandardCharsets.UTF_8));
      JsonNode page = ProviderHttp.refusalAsIo(() -> http.get(url));
      // Newest first: once a page reaches past the oldest time, no later page can hold the job.
      for (JsonNode batch : page.path("data")) {
        String id = batch.path("id").asText();
        Instant created = instant(batch.path("created_at").asText());
        if (created.isBefore(oldest)) break pages;
        after = id;
        if (created.isAfter(newest) || job.knownJobs().contains(id)) continue;
        if (!"ended".equals(batch.path("processing_status").asText())) {
          running.add(id);
        } else if (firstCustomId(id).filter(job.holds()).isPresent()) {
          return Optional.of(new Created(id, memo(job.endpoint())));
        }
      }
      if (!page.path("has_more").asBoolean() || page.path("data").isEmpty()) break;
    }
    if (!running.isEmpty()) {
      throw new IOException("cannot tell yet whether Message Batch " + String.join(", ", running) + " is job "
          + job.bargeJobId() + ": Anthropic batches carry no metadata, so it is told by its results once it ends");
    }
    return Optional.empty();
  }

  /** The custom id of the first result of an ended batch, if it has any. */
  private Optional<String> firstCustomId(String batchId) throws IOException {
    try (BufferedReader lines = results(batchId)) {
      for (String line; (line = lines.readLine()) != null; ) {
        if (!line.isBlank()) return Optional.of(JSON.readTree(line).path("custom_id").asText());
      }
      return Optional.empty();
    }
  }

  /**
   * The results of a batch, from their fixed path, never from {@code results_url}, which could name another
   * host, and the API key goes with the call.
   */
  private BufferedReader results(String batchId) throws IOException {
    InputStream in = ProviderHttp.refusalAsIo(() -> http.open(batchesUrl + "/" + batchId + "/results"));
    return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
  }

  private static Instant instant(String rfc3339) throws IOException {
    try {
      return Instant.parse(rfc3339);
    } catch (DateTimeParseException e) {
      throw new IOException("the provider's created_at is not a time: " + rfc3339, e);
    }
  }

  @Override
  public JobState status(String providerJobId) throws IOException, ProviderJobException {
    JsonNode batch = http.get(batchesUrl + "/" + providerJobId);
    String status = batch.path("processing_status").asText();
    Phase phase = switch (status) {
      case "canceling" -> Phase.CANCELLING;
      case "ended" -> Phase.ENDED;
      default -> Phase.RUNNING;
    };
    JsonNode c = batch.path("request_counts");
    long succeeded = c.path("succeeded").asLong();
    long failed = c.path("errored").asLong() + c.path("canceled").asLong() + c.path("expired").asLong();
    return new JobState(batch.path("id").asText(), phase, status,
        new Counts(c.path("processing").asLong() + succeeded + failed, succeeded, failed), null,
        batch.path("results_url").asText(null));
  }

  /**
   * Keeps the batch: Anthropic stores no files for it, deletes its results after 29 days by itself, and its
   * record upstream is the team's trail of what ran there.
   */
  @Override
  public void discard(JobState job) {}

  @Override
  public void cancel(String providerJobId) throws IOException {
    ProviderHttp.refusalAsIo(() -> http.post(batchesUrl + "/" + providerJobId + "/cancel"));
  }

  @Override
  public void results(JobState job, String memo, ResultSink sink) throws IOException {
    boolean chat = Endpoint.CHAT_COMPLETIONS.path().equals(memo);
    try (BufferedReader lines = results(job.id())) {
      for (String line; (line = lines.readLine()) != null; ) {
        if (line.isBlank()) continue;
        JsonNode entry = JSON.readTree(line);
        String customId = entry.path("custom_id").asText();
        JsonNode result = entry.path("result");
        switch (result.path("type").asText()) {
          case "succeeded" -> {
            Outcome outcome = Outcome.classify(200, JSON.writeValueAsString(result.path("message")), null, null,
                RateLimitHeaders.NONE);
            sink.answered(customId, chat ? ChatOverMessages.answered(outcome) : outcome);
          }
          case "errored" -> {
            JsonNode error = result.path("error");
            sink.answered(customId, Outcome.classify(
                AnthropicErrorTypes.status(error.path("error").path("type").asText()),
                JSON.writeValueAsString(error), error.path("request_id").asText(null), null, RateLimitHeaders.NONE));
          }
          case "canceled" -> sink.notRun(customId, "canceled: the job was canceled before it ran the request");
          case "expired" -> sink.notRun(customId, "expired: the job ended before it ran the request");
          default -> throw new IOException("unknown result type in the provider's results: "
              + result.path("type").asText());
        }
      }
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
