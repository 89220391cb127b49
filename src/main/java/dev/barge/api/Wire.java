package dev.barge.api;

import dev.barge.store.UpstreamJobStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.batch.BatchPaths;
import dev.barge.batch.CreateBatch;
import dev.barge.batch.DryRun;
import dev.barge.batch.Estimate;
import dev.barge.batch.LineError;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.CacheMode;
import dev.barge.batch.model.BatchStatus;
import dev.barge.batch.model.Canary;
import dev.barge.cost.Money;
import dev.barge.cost.Spend;
import dev.barge.cost.Usage;
import dev.barge.dispatch.BackendStatus;
import dev.barge.store.FileRecord;
import dev.barge.store.Page;
import dev.barge.store.SpendStore;
import dev.barge.store.StoredJson;
import java.time.LocalDate;
import java.util.List;
import java.util.function.Function;

/** The JSON objects of the OpenAI Files and Batch APIs (spec §1.2, §4). Every key is present; unset ones are null. */
public final class Wire {
  /** Builds the answers; request bodies are read by {@link JsonBody}. */
  static final ObjectMapper JSON = new ObjectMapper();

  private Wire() {}

  static ObjectNode file(FileRecord f) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", f.id());
    o.put("object", "file");
    o.put("bytes", f.bytes());
    o.put("created_at", seconds(f.createdAt()));
    putSeconds(o, "expires_at", f.expiresAt());
    o.put("filename", f.filename());
    o.put("purpose", f.purpose());
    o.put("status", "processed");
    o.putNull("status_details");
    return o;
  }

  static ObjectNode deletedFile(String id) {
    return JSON.createObjectNode().put("id", id).put("object", "file").put("deleted", true);
  }

  /**
   * The OpenAI Batch object, plus Barge's extension object {@code barge}: the batch's {@code priority}
   * and {@code windows}, {@code estimated_completion_at} / {@code fits_before_expiry} (null when unknown),
   * its money ({@code cost}, {@code saved}, {@code max_cost_usd}, {@code stopped_by}, and {@code tiers}: per
   * tier bought at, requests and cost), its {@code canary}, and the {@code upstream_jobs} that held its lines.
   */
  static ObjectNode batch(BatchRecord b, Estimate estimate, BatchPaths.Paths paths) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", b.id());
    o.put("object", "batch");
    o.put("endpoint", b.endpoint());
    o.put("model", b.model());
    o.set("errors", b.status() == BatchStatus.FAILED ? errors(b) : null);
    o.put("input_file_id", b.inputFileId());
    o.put("completion_window", b.completionWindow());
    o.put("status", b.status().wireName());
    o.put("output_file_id", b.outputFileId());
    o.put("error_file_id", b.errorFileId());
    o.put("created_at", seconds(b.createdAt()));
    for (BatchStatus s : BatchStatus.ENTERED_LATER) {
      if (s == BatchStatus.FINALIZING) o.put("expires_at", seconds(b.expiresAt())); // keep the spec's key order
      putSeconds(o, s.wireName() + "_at", b.enteredAt(s));
    }
    ObjectNode counts = o.putObject("request_counts");
    counts.put("total", b.total());
    counts.put("completed", b.completed());
    counts.put("failed", b.failed());
    o.set("usage", b.enteredAt(BatchStatus.IN_PROGRESS) == null ? null : usage(b.usage()));
    o.set("metadata", StoredJson.read(b.metadata(), b.id() + " metadata"));
    ObjectNode barge = o.putObject("barge");
    barge.put("priority", b.priority());
    if (b.windows().isEmpty()) {
      barge.putNull("windows");
    } else {
      ArrayNode windows = barge.putArray("windows");
      b.windows().forEach(w -> windows.add(w.toString()));
    }
    putSeconds(barge, "estimated_completion_at",
        estimate.completionAt() == null ? null : estimate.completionAt().toEpochMilli());
    if (estimate.fitsBeforeExpiry() == null) {
      barge.putNull("fits_before_expiry");
    } else {
      barge.put("fits_before_expiry", estimate.fitsBeforeExpiry());
    }
    Spend spend = b.spend();
    barge.put("cost", Money.usd(spend.cost()));
    barge.put("saved", Money.usd(spend.saved()));
    barge.put("max_cost_usd", spend.maxCost() == null ? null : Money.usd(spend.maxCost()));
    barge.put("stopped_by", spend.stoppedReason() == null ? null : spend.stoppedReason().wireName());
    ObjectNode tiers = barge.putObject("tiers");
    paths.tiers().forEach((tier, total) -> tiers.putObject(tier.wireName()).put("requests", total.requests())
        .put("cost", Money.usd(total.cost())));
    ArrayNode jobs = barge.putArray("upstream_jobs");
    for (UpstreamJobStore.BatchJob j : paths.upstreamJobs()) {
      ObjectNode job = jobs.addObject().put("backend", j.backend()).put("id", j.providerId())
          .put("status", j.providerStatus()).put("requests", j.batchRequests());
      job.putObject("request_counts").put("total", j.total()).put("completed", j.completed())
          .put("failed", j.failed());
    }
    if (b.cache() == CacheMode.ALWAYS) {
      barge.put("cache", "always");
    } else {
      barge.put("cache", b.cache() == CacheMode.DETERMINISTIC);
    }
    barge.put("cached_requests", b.cachedRequests());
    putSeconds(barge, "archived_at", b.archive().at()); // results retention ended: partial and errors are gone
    Canary canary = b.canary();
    if (canary.state() == null) {
      barge.putNull("canary");
    } else {
      barge.putObject("canary").put("size", canary.lines().size())
          .put("max_failure_rate", canary.maxFailureRate())
          .put("state", canary.state().column());
    }
    return o;
  }

  /**
   * The answer to a dry run (extension): {@code object: "batch.dry_run"}, whether the batch would start
   * ({@code valid} and the {@code errors} it would fail with), its token counts, its estimated cost at
   * batch and real-time prices (output counted at each request's limit: an upper bound), and its
   * estimated finishing time.
   */
  public static ObjectNode dryRun(CreateBatch request, DryRun d) {
    ObjectNode o = JSON.createObjectNode();
    o.put("object", "batch.dry_run");
    o.put("endpoint", request.endpoint());
    o.put("input_file_id", request.inputFileId());
    o.put("completion_window", request.completionWindow());
    o.put("model", d.model());
    o.put("valid", d.errors().isEmpty());
    o.set("errors", d.errors().isEmpty() ? null : LineError.list(d.errors()));
    o.putObject("request_counts").put("total", d.requests());
    o.putObject("tokens").put("prompt", d.promptTokens()).put("max_output", d.maxOutputTokens())
        .put("enqueued", d.enqueuedTokens());
    if (d.batchCost() == null) {
      o.putNull("cost");
    } else {
      o.putObject("cost").put("batch", Money.usd(d.batchCost())).put("real_time", Money.usd(d.realTimeCost()))
          .put("saved", Money.usd(d.realTimeCost() - d.batchCost()));
    }
    putSeconds(o, "estimated_completion_at", d.completionAt() == null ? null : d.completionAt().toEpochMilli());
    if (d.fitsBeforeExpiry() == null) o.putNull("fits_before_expiry");
    else o.put("fits_before_expiry", d.fitsBeforeExpiry());
    return o;
  }

  /** The backends as the dashboard shows them (extension {@code GET /v1/barge/backends}). */
  static ObjectNode backends(List<BackendStatus> backends) {
    ObjectNode o = JSON.createObjectNode().put("object", "list");
    ArrayNode data = o.putArray("data");
    for (BackendStatus b : backends) {
      ObjectNode item = data.addObject().put("name", b.name()).put("type", b.type());
      b.models().forEach(item.putArray("models")::add);
      item.put("requests_per_minute", b.requestsPerMinute()).put("tokens_per_minute", b.tokensPerMinute())
          .put("max_concurrency", b.maxConcurrency()).put("concurrency_limit", b.concurrencyLimit())
          .put("in_flight", b.inFlight()).put("circuit", b.circuit());
      ObjectNode outcomes = item.putObject("answers");
      b.outcomes().forEach(outcomes::put);
    }
    return o;
  }

  /** One day's spend of a project in one tier. */
  static ObjectNode spend(SpendStore.DaySpend d) {
    ObjectNode o = JSON.createObjectNode();
    o.put("object", "barge.spend");
    o.put("date", LocalDate.ofEpochDay(d.day()).toString());
    o.put("tier", d.tier().wireName());
    o.put("requests", d.requests());
    o.put("cost", Money.usd(d.cost()));
    o.put("saved", Money.usd(d.listCost() - d.cost()));
    return o;
  }

  private static ObjectNode usage(Usage u) {
    ObjectNode o = JSON.createObjectNode();
    o.put("input_tokens", u.inputTokens());
    o.putObject("input_tokens_details").put("cached_tokens", u.cachedTokens());
    o.put("output_tokens", u.outputTokens());
    o.putObject("output_tokens_details").put("reasoning_tokens", u.reasoningTokens());
    o.put("total_tokens", u.totalTokens());
    return o;
  }

  /** The list envelope: {@code object, data, first_id, last_id, has_more}. */
  static <T> ObjectNode list(Page<T> page, Function<T, ObjectNode> render, Function<T, String> id) {
    ObjectNode o = JSON.createObjectNode();
    o.put("object", "list");
    ArrayNode data = o.putArray("data");
    page.items().forEach(item -> data.add(render.apply(item)));
    List<T> items = page.items();
    o.put("first_id", items.isEmpty() ? null : id.apply(items.get(0)));
    o.put("last_id", items.isEmpty() ? null : id.apply(items.get(items.size() - 1)));
    o.put("has_more", page.hasMore());
    return o;
  }

  static ObjectNode error(String type, String message, String param, String code) {
    ObjectNode o = JSON.createObjectNode();
    o.putObject("error").put("message", message).put("type", type).put("param", param).put("code", code);
    return o;
  }

  private static long seconds(long millis) {
    return millis / 1000;
  }

  private static void putSeconds(ObjectNode o, String key, Long millis) {
    if (millis == null) o.putNull(key);
    else o.put(key, seconds(millis));
  }

  /** A failed batch's stored errors; a stand-in error when they cannot be read, so the batch can still be shown. */
  private static JsonNode errors(BatchRecord b) {
    if (b.errors() == null) return null;
    JsonNode errors = StoredJson.read(b.errors(), b.id() + " errors");
    return errors != null ? errors : LineError.list(List.of(LineError.UNREADABLE));
  }
}
