package dev.barge.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.batch.model.BatchApi;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.CacheMode;
import dev.barge.batch.model.Canary;
import dev.barge.batch.model.RequestState;
import dev.barge.store.BatchPages;
import dev.barge.store.BatchRetention;
import dev.barge.store.FileRecord;
import dev.barge.store.IdempotencyKey;
import dev.barge.store.IdempotencyStore;
import dev.barge.store.Page;
import dev.barge.store.RequestQueries;
import dev.barge.store.ResultRow;
import dev.barge.store.StoredJson;
import dev.barge.upstream.Endpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The doors to the same engine whose requests come inline, not in a file of the caller's: Anthropic's
 * Message Batches and Gemini's batches. Barge writes the batch's input file itself from the requests; its
 * lines are checked one by one (a bad request fails alone), and each API sees only its own batches.
 */
public final class InlineBatches {
  private static final Logger log = LoggerFactory.getLogger(InlineBatches.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final BatchApi api;
  /** How long a batch runs before what is left of it expires, as the hosted API's do. */
  private final String window;
  private final BatchService batches;
  private final FileService files;
  private final BatchPages pages;
  private final BatchRetention retention;
  private final RequestQueries requests;

  /** The Anthropic Message Batches door: batches of {@code /v1/messages} requests that run for 24 hours. */
  public static InlineBatches anthropic(BatchService batches, FileService files, BatchPages pages,
      BatchRetention retention, RequestQueries requests) {
    return new InlineBatches(BatchApi.ANTHROPIC, "24h", batches, files, pages, retention, requests);
  }

  /** The Gemini batch door: batches of generateContent or embedContent requests that run for 48 hours. */
  public static InlineBatches gemini(BatchService batches, FileService files, BatchPages pages,
      BatchRetention retention, RequestQueries requests) {
    return new InlineBatches(BatchApi.GEMINI, "48h", batches, files, pages, retention, requests);
  }

  private InlineBatches(BatchApi api, String window, BatchService batches, FileService files, BatchPages pages,
      BatchRetention retention, RequestQueries requests) {
    this.api = api;
    this.window = window;
    this.batches = batches;
    this.files = files;
    this.pages = pages;
    this.retention = retention;
    this.requests = requests;
  }

  /**
   * Starts a batch of requests to {@code endpoint}: its requests are added one by one, straight to its
   * input file (a large batch is never held in memory), then {@link Draft#create} makes it. Closing an
   * uncreated draft discards it.
   */
  public Draft draft(String project, Endpoint endpoint) {
    return new Draft(project, endpoint, files.receive(false));
  }

  /** A batch being written. */
  public final class Draft implements AutoCloseable {
    private final String project;
    private final Endpoint endpoint;
    private final FileService.Upload upload;
    private int requests;

    private Draft(String project, Endpoint endpoint, FileService.Upload upload) {
      this.project = project;
      this.endpoint = endpoint;
      this.upload = upload;
    }

    /** Adds one request as a batch line: the draft's endpoint as its {@code url}, {@code body} as its body. */
    public void add(String customId, JsonNode body) {
      ObjectNode line = JSON.createObjectNode().put("custom_id", customId).put("method", "POST")
          .put("url", endpoint.path());
      line.set("body", body);
      byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
      upload.write(bytes, 0, bytes.length);
      requests++;
    }

    /**
     * Creates the batch from the requests added.
     *
     * @param metadata what the API keeps with the batch (stored as the batch's metadata); null for none
     * @param cache whether its requests may be answered from the response cache; null for the server's default
     * @param key the request's idempotency key, claimed with the batch; null without one
     * @throws IdempotencyStore.KeyTaken when an earlier request took the key (nothing is created)
     */
    public BatchRecord create(Map<String, String> metadata, CacheMode cache, IdempotencyKey key) {
      FileRecord input = upload.store(project, api.column() + "_batch.jsonl", FileService.PURPOSE_MESSAGE_BATCH, null);
      try {
        // No canary: the requests stand alone, and a failed sample would end good ones unsent.
        return batches.create(project, new CreateBatch(input.id(), endpoint.path(), window, metadata, null, null,
            List.of(), null, Canary.OFF, cache), api, requests, key);
      } catch (RuntimeException e) {
        files.delete(project, input.id()); // nothing will read it
        throw e;
      }
    }

    @Override
    public void close() {
      upload.close();
    }
  }

  public BatchRecord get(String project, String id) {
    return batches.get(project, api, id);
  }

  /** Newest first: older than {@code afterId}, newer than {@code beforeId}, or from the newest. */
  public Page<BatchRecord> list(String project, String afterId, String beforeId, int limit) {
    if (beforeId != null) return pages.listNewer(project, api, beforeId, limit);
    return pages.list(project, api, afterId, limit);
  }

  public BatchRecord cancel(String project, String id) {
    return batches.cancel(project, api, id);
  }

  /** Deletes an ended batch with its results and files; one still running must be canceled first. */
  public void delete(String project, String id) {
    BatchRecord batch = get(project, id);
    if (!batch.status().terminal() || !retention.deleteEnded(id)) {
      throw new InvalidRequestException(null, "Batch " + id + " has not ended; cancel it first, then delete it once"
          + " it has ended.");
    }
    for (String fileId : new String[] {batch.inputFileId(), batch.outputFileId(), batch.errorFileId()}) {
      if (fileId == null) continue;
      try {
        files.delete(project, fileId);
      } catch (NotFoundException gone) {
        // already expired or deleted: nothing to do
      }
    }
    log.info("{} batch {} deleted", api.column(), id);
  }

  /**
   * How many of its requests are in each state. A batch that ended before its requests were queued
   * (cancelled or expired while validating, or over its quota) has no rows: all its requests count as
   * ended that way.
   */
  public Map<RequestState, Integer> counts(BatchRecord batch) {
    return counts(List.of(batch)).get(batch.id());
  }

  /** The same for a page of batches, in one query. */
  public Map<String, Map<RequestState, Integer>> counts(List<BatchRecord> page) {
    Map<String, Map<RequestState, Integer>> byBatch = requests.countsByState(page.stream().map(BatchRecord::id).toList());
    Map<String, Map<RequestState, Integer>> out = new java.util.HashMap<>();
    for (BatchRecord b : page) {
      // An archived batch's rows are gone; it kept their counts.
      Map<RequestState, Integer> counts = b.archive().archived() ? b.archive().counts()
          : byBatch.getOrDefault(b.id(), Map.of());
      boolean unqueued = counts.isEmpty() && b.status().terminal() && b.total() > 0;
      out.put(b.id(), unqueued ? Map.of(endedUnqueued(b), b.total()) : counts);
    }
    return out;
  }

  /**
   * Every request's result, in line order. For a batch that ended before its requests were queued, each
   * request of its input ends the way the batch did, with the batch's reason.
   */
  public void forEachResult(BatchRecord batch, Consumer<ResultRow> sink) {
    BatchService.requireResults(batch);
    if (!requests.countsByState(batch.id()).isEmpty() || batch.total() == 0) {
      requests.forEachResultPaged(batch.id(), sink);
      return;
    }
    RequestState state = endedUnqueued(batch);
    JsonNode stored = StoredJson.read(batch.errors(), batch.id() + " errors");
    JsonNode why = stored == null ? JSON.createObjectNode() : stored.path("data").path(0);
    String code = state == RequestState.FAILED ? why.path("code").asText("batch_failed") : null;
    String reason = state == RequestState.FAILED ? why.path("message").asText("The batch failed.") : null;
    try (InputStream in = files.content(batch.project(), batch.inputFileId());
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      int number = 0;
      for (String line; (line = lines.readLine()) != null; ) {
        number++;
        String customId = JSON.readTree(line).path("custom_id").asText();
        sink.accept(new ResultRow(number, customId, state, null, null, null, code, reason));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the requests of " + batch.id(), e);
    }
  }

  private static RequestState endedUnqueued(BatchRecord batch) {
    return switch (batch.status()) {
      case CANCELLED -> RequestState.CANCELLED;
      case EXPIRED -> RequestState.EXPIRED;
      default -> RequestState.FAILED;
    };
  }
}
