package dev.barge.upstream.simulator;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.upstream.AnthropicErrorTypes;
import dev.barge.upstream.Endpoint;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * Anthropic's Message Batches API: create, follow, list, cancel, and read the results as JSONL. The create
 * body is read as it arrives and its requests kept on disk, one a line.
 */
final class AnthropicJobRoutes implements ResultFormat {
  private static final Pattern CUSTOM_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
  private static final DateTimeFormatter RFC_3339 =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
  private static final Duration EXPIRY = Duration.ofHours(24);
  private static final String BATCHES = "/v1/messages/batches";

  private final JobRunner runner;
  private final JobList<SimulatedJob<Void>> jobs = new JobList<>();
  private final LongAdder created = new LongAdder();
  private final LongAdder cancelled = new LongAdder();

  AnthropicJobRoutes(JobRunner runner) {
    this.runner = runner;
  }

  void register(Javalin app) {
    app.post(BATCHES, this::create);
    app.get(BATCHES, this::list);
    app.get(BATCHES + "/{id}", ctx -> JobRoutes.json(ctx, 200, batchObject(ctx, job(ctx))));
    app.get(BATCHES + "/{id}/results", this::results);
    app.post(BATCHES + "/{id}/cancel", this::cancel);
  }

  JobCounts.PerApi counts() {
    return new JobCounts.PerApi(created.sum(), cancelled.sum());
  }

  private void create(Context ctx) throws IOException {
    Path requests = Files.createTempFile(runner.dir(), "msgbatch", ".jsonl");
    try {
      long total;
      try {
        total = copyRequests(ctx, requests);
      } catch (JsonProcessingException e) {
        throw new Refusal(400, "invalid_request_error", "The request body is not valid JSON.");
      }
      SimulatedJob<Void> job = new SimulatedJob<>(SimulatedResponses.id("msgbatch_"), runner.now(), total, requests,
          "params", Endpoint.MESSAGES, null);
      jobs.add(job.id, job);
      created.increment();
      runner.start(job, this);
      JobRoutes.json(ctx, 200, batchObject(ctx, job));
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(requests);
      throw e;
    }
  }

  /** Copies the {@code requests} of the body to {@code file}, one a line, checking them; returns how many. */
  private static long copyRequests(Context ctx, Path file) throws IOException {
    long n = 0;
    try (JsonParser body = JobRoutes.JSON.createParser(ctx.bodyInputStream());
        JsonGenerator lines = JobRoutes.JSON.getFactory().createGenerator(Files.newOutputStream(file),
            JsonEncoding.UTF8)) {
      lines.setRootValueSeparator(new SerializedString("\n"));
      if (body.nextToken() != JsonToken.START_OBJECT) throw new Refusal(400, "invalid_request_error", "body: must be an object");
      boolean seen = false;
      while (body.nextToken() == JsonToken.FIELD_NAME) {
        String field = body.currentName();
        JsonToken value = body.nextToken();
        if (!field.equals("requests")) {
          body.skipChildren();
          continue;
        }
        if (value != JsonToken.START_ARRAY) throw new Refusal(400, "invalid_request_error", "requests: must be a list");
        seen = true;
        while (body.nextToken() == JsonToken.START_OBJECT) {
          JsonNode request = body.readValueAsTree();
          String where = "requests." + n;
          if (!CUSTOM_ID.matcher(request.path("custom_id").asText("")).matches()) {
            throw new Refusal(400, "invalid_request_error", where + ".custom_id: String should match pattern '"
                + CUSTOM_ID.pattern() + "'");
          }
          if (!request.path("params").isObject()) {
            throw new Refusal(400, "invalid_request_error", where + ".params: Field required");
          }
          lines.writeTree(request);
          n++;
        }
        if (body.currentToken() != JsonToken.END_ARRAY) {
          throw new Refusal(400, "invalid_request_error", "requests." + n + ": must be an object");
        }
      }
      if (!seen || n == 0) throw new Refusal(400, "invalid_request_error", "requests: List should have at least 1 item");
    }
    return n;
  }

  private void list(Context ctx) throws IOException {
    Integer limit = JobRoutes.limit(ctx, 20, 1000);
    if (limit == null) throw new Refusal(400, "invalid_request_error", "limit: must be from 1 to 1000");
    String after = ctx.queryParam("after_id");
    String before = ctx.queryParam("before_id");
    if (after != null && before != null) {
      throw new Refusal(400, "invalid_request_error", "after_id and before_id cannot both be given");
    }
    JobList.Page<SimulatedJob<Void>> page = before != null ? jobs.newerThan(before, limit) : jobs.olderThan(after, limit);
    ObjectNode list = JobRoutes.JSON.createObjectNode();
    var data = list.putArray("data");
    page.items().forEach(job -> data.add(batchObject(ctx, job)));
    list.put("has_more", page.hasMore());
    list.put("first_id", page.items().isEmpty() ? null : page.items().getFirst().id);
    list.put("last_id", page.items().isEmpty() ? null : page.items().getLast().id);
    JobRoutes.json(ctx, 200, list);
  }

  private void results(Context ctx) throws IOException {
    SimulatedJob.View view = job(ctx).view();
    if (view.state() != SimulatedJob.State.ENDED) {
      throw new Refusal(400, "invalid_request_error", "The batch has not ended yet; its results are not ready.");
    }
    Path results = view.ended().files() == null ? null : view.ended().files().output();
    if (results == null) {
      ctx.status(200).contentType("application/x-jsonl").result("");
    } else {
      JobRoutes.stream(ctx, results, "application/x-jsonl");
    }
  }

  private void cancel(Context ctx) throws IOException {
    SimulatedJob<Void> job = job(ctx);
    boolean wasRunning = job.view().state() == SimulatedJob.State.RUNNING;
    if (!runner.cancel(job, this)) {
      throw new Refusal(400, "invalid_request_error", "The batch has ended; it cannot be canceled.");
    }
    if (wasRunning) cancelled.increment();
    JobRoutes.json(ctx, 200, batchObject(ctx, job));
  }

  private SimulatedJob<Void> job(Context ctx) {
    SimulatedJob<Void> job = jobs.get(ctx.pathParam("id"));
    if (job == null) throw new Refusal(404, "not_found_error", "The requested resource could not be found.");
    return job;
  }

  private ObjectNode batchObject(Context ctx, SimulatedJob<Void> job) {
    SimulatedJob.View view = job.view();
    SimulatedJob.Ended ended = view.ended();
    ObjectNode b = JobRoutes.JSON.createObjectNode().put("id", job.id).put("type", "message_batch")
        .put("processing_status", switch (view.state()) {
          case RUNNING -> "in_progress";
          case CANCELLING -> "canceling";
          case FINALIZING -> view.cancelledAt() != null ? "canceling" : "in_progress";
          case ENDED -> "ended";
        });
    ObjectNode counts = b.putObject("request_counts");
    SimulatedJob.Tally t = ended == null ? null : ended.tally();
    counts.put("processing", t == null ? job.total : 0).put("succeeded", t == null ? 0 : t.succeeded())
        .put("errored", t == null ? 0 : t.errored()).put("canceled", t == null ? 0 : t.cancelled())
        .put("expired", t == null ? 0 : t.expired());
    b.put("ended_at", time(ended == null ? null : ended.at()));
    b.put("created_at", time(job.createdAt)).put("expires_at", time(job.createdAt.plus(EXPIRY)));
    b.putNull("archived_at");
    b.put("cancel_initiated_at", time(view.cancelledAt()));
    b.put("results_url", ended == null ? null
        : ctx.scheme() + "://" + ctx.host() + BATCHES + "/" + job.id + "/results");
    return b;
  }

  private static String time(Instant at) {
    return at == null ? null : RFC_3339.format(at);
  }

  @Override
  public void answered(ResultFiles results, int bucket, String customId, SimulatedAnswer answer) throws IOException {
    ObjectNode line = JobRoutes.JSON.createObjectNode().put("custom_id", customId);
    ObjectNode result = line.putObject("result");
    JsonNode body = JobRoutes.JSON.readTree(answer.body());
    if (answer.status() >= 200 && answer.status() < 300) {
      result.put("type", "succeeded").set("message", body);
    } else {
      ObjectNode error = result.put("type", "errored").putObject("error").put("type", "error");
      error.putObject("error").put("type", AnthropicErrorTypes.type(answer.status()))
          .put("message", body.path("error").path("message").asText("Simulated error (Barge simulator)"));
      error.put("request_id", answer.headers().get("x-request-id"));
    }
    results.output(bucket, line);
  }

  @Override
  public void notRun(ResultFiles results, int bucket, String customId, boolean expired) throws IOException {
    ObjectNode line = JobRoutes.JSON.createObjectNode().put("custom_id", customId);
    line.putObject("result").put("type", expired ? "expired" : "canceled");
    results.output(bucket, line);
  }

  @Override
  public boolean failsWholeJobs() {
    return false;
  }

  @Override
  public void ended(SimulatedJob<?> job, SimulatedJob.Ended ended) {
    // the results stay where they were written, served from the job
  }

  /** A request the API refuses, answered in Anthropic's error envelope. */
  static final class Refusal extends RuntimeException {
    final int status;
    final String type;

    Refusal(int status, String type, String message) {
      super(message, null, false, false);
      this.status = status;
      this.type = type;
    }
  }
}
