package dev.barge.upstream.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.upstream.Endpoint;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * OpenAI's Files and Batch APIs, as far as a batch job needs them: upload a file, create a batch on it,
 * follow it, cancel it, download its output and error files. The lines answer as the real-time API would.
 */
final class OpenAiJobRoutes implements ResultFormat {
  /** What a batch was created with. */
  record Details(String inputFileId, String endpoint, String completionWindow, JsonNode metadata) {}

  private record OutputFiles(String outputFileId, String errorFileId) {}

  private static final Duration WINDOW = Duration.ofHours(24);

  private final JobRunner runner;
  private final SimulatedFiles files;
  private final JobList<SimulatedJob<Details>> jobs = new JobList<>();
  private final Map<String, OutputFiles> outputs = new ConcurrentHashMap<>();
  private final LongAdder created = new LongAdder();
  private final LongAdder cancelled = new LongAdder();

  OpenAiJobRoutes(JobRunner runner, SimulatedFiles files) {
    this.runner = runner;
    this.files = files;
  }

  void register(Javalin app) {
    app.post("/v1/files", this::upload);
    app.get("/v1/files/{id}", ctx -> json(ctx, fileObject(file(ctx))));
    app.get("/v1/files/{id}/content", ctx -> JobRoutes.stream(ctx, file(ctx).path(), "application/octet-stream"));
    app.delete("/v1/files/{id}", this::delete);
    app.post("/v1/batches", this::create);
    app.get("/v1/batches", this::list);
    app.get("/v1/batches/{id}", ctx -> json(ctx, batchObject(job(ctx))));
    app.post("/v1/batches/{id}/cancel", this::cancel);
  }

  JobCounts.PerApi counts() {
    return new JobCounts.PerApi(created.sum(), cancelled.sum());
  }

  /** Files its Files API holds now. */
  int filesStored() {
    return files.count();
  }

  private void delete(Context ctx) throws IOException {
    String id = ctx.pathParam("id");
    if (!files.delete(id)) throw new Refusal(404, "No such File object: " + id, "id");
    json(ctx, JobRoutes.JSON.createObjectNode().put("id", id).put("object", "file").put("deleted", true));
  }

  private void upload(Context ctx) throws IOException {
    try {
      json(ctx, fileObject(files.upload(ctx.req())));
    } catch (SimulatedFiles.BadUpload e) {
      throw new Refusal(400, e.getMessage(), e.param);
    }
  }

  private void create(Context ctx) throws IOException {
    JsonNode body;
    try {
      body = JobRoutes.JSON.readTree(ctx.bodyInputStream());
    } catch (JsonProcessingException e) {
      throw new Refusal(400, "We could not parse the JSON body of your request.", null);
    }
    for (String required : new String[] {"input_file_id", "endpoint", "completion_window"}) {
      if (!body.path(required).isTextual()) {
        throw new Refusal(400, "Missing required parameter: '" + required + "'.", required);
      }
    }
    String fileId = body.path("input_file_id").asText();
    SimulatedFiles.StoredFile input = files.get(fileId).orElseThrow(() -> new Refusal(400, "Cannot find file "
        + fileId + ", or project does not have access to it.", "file_id"));
    Optional<Endpoint> endpoint = Endpoint.ofPath(body.path("endpoint").asText());
    // OpenAI's Batch API takes its own endpoints only: not Messages, nor Gemini's (/v1beta).
    if (endpoint.isEmpty() || !endpoint.get().path().startsWith("/v1/") || endpoint.get() == Endpoint.MESSAGES) {
      throw new Refusal(400, "Invalid endpoint: " + body.path("endpoint").asText(), "endpoint");
    }
    long total = JobRoutes.countLines(input.path());
    if (total == 0) throw new Refusal(400, "The input file has no requests.", "input_file_id");
    Instant now = runner.now();
    SimulatedJob<Details> job = new SimulatedJob<>(SimulatedResponses.id("batch_"), now, total, input.path(), "body",
        endpoint.get(), new Details(fileId, endpoint.get().path(), body.path("completion_window").asText(),
            body.path("metadata")));
    jobs.add(job.id, job);
    created.increment();
    runner.start(job, this);
    json(ctx, batchObject(job));
  }

  private void list(Context ctx) throws IOException {
    Integer limit = JobRoutes.limit(ctx, 20, 100);
    if (limit == null) throw new Refusal(400, "Invalid 'limit': expected an integer from 1 to 100.", "limit");
    JobList.Page<SimulatedJob<Details>> page = jobs.olderThan(ctx.queryParam("after"), limit);
    ObjectNode list = JobRoutes.JSON.createObjectNode().put("object", "list");
    var data = list.putArray("data");
    page.items().forEach(job -> data.add(batchObject(job)));
    list.put("first_id", page.items().isEmpty() ? null : page.items().getFirst().id);
    list.put("last_id", page.items().isEmpty() ? null : page.items().getLast().id);
    list.put("has_more", page.hasMore());
    json(ctx, list);
  }

  private void cancel(Context ctx) throws IOException {
    SimulatedJob<Details> job = job(ctx);
    boolean wasRunning = job.view().state() == SimulatedJob.State.RUNNING;
    if (!runner.cancel(job, this)) {
      throw new Refusal(400, "Cannot cancel a batch that is " + status(job.view()) + ".", null);
    }
    if (wasRunning) cancelled.increment();
    json(ctx, batchObject(job));
  }

  private SimulatedFiles.StoredFile file(Context ctx) {
    String id = ctx.pathParam("id");
    return files.get(id).orElseThrow(() -> new Refusal(404, "No such File object: " + id, "id"));
  }

  private SimulatedJob<Details> job(Context ctx) {
    SimulatedJob<Details> job = jobs.get(ctx.pathParam("id"));
    if (job == null) throw new Refusal(404, "No batch found with id '" + ctx.pathParam("id") + "'.", "batch_id");
    return job;
  }

  private static ObjectNode fileObject(SimulatedFiles.StoredFile file) {
    ObjectNode f = JobRoutes.JSON.createObjectNode().put("id", file.id()).put("object", "file")
        .put("bytes", file.bytes()).put("created_at", file.createdAt())
        .put("expires_at", file.createdAt() + Duration.ofDays(30).toSeconds())
        .put("filename", file.filename()).put("purpose", file.purpose()).put("status", "processed");
    f.putNull("status_details");
    return f;
  }

  private ObjectNode batchObject(SimulatedJob<Details> job) {
    SimulatedJob.View view = job.view();
    SimulatedJob.Ended ended = view.ended();
    String status = status(view);
    long created = job.createdAt.getEpochSecond();
    ObjectNode b = JobRoutes.JSON.createObjectNode().put("id", job.id).put("object", "batch")
        .put("endpoint", job.details.endpoint());
    b.putNull("model");
    if (status.equals("failed")) {
      ObjectNode error = b.putObject("errors").put("object", "list").putArray("data").addObject()
          .put("code", "simulated_failure").put("message", "The batch failed as a whole (Barge simulator).");
      error.putNull("param");
      error.putNull("line");
    } else {
      b.putNull("errors");
    }
    b.put("input_file_id", job.details.inputFileId()).put("completion_window", job.details.completionWindow())
        .put("status", status);
    OutputFiles out = outputs.get(job.id);
    b.put("output_file_id", out == null ? null : out.outputFileId());
    b.put("error_file_id", out == null ? null : out.errorFileId());
    b.put("created_at", created).put("in_progress_at", created)
        .put("expires_at", created + WINDOW.toSeconds());
    b.put("finalizing_at", seconds(view.finalizingAt()));
    Long endedAt = ended == null ? null : ended.at().getEpochSecond();
    for (String terminal : new String[] {"completed", "failed", "expired", "cancelled"}) {
      b.put(terminal + "_at", status.equals(terminal) ? endedAt : null);
    }
    b.put("cancelling_at", seconds(view.cancelledAt()));
    ObjectNode counts = b.putObject("request_counts").put("total", job.total);
    boolean counted = ended != null && !ended.failed();
    SimulatedJob.Tally t = counted ? ended.tally() : null;
    counts.put("completed", counted ? t.succeeded() : 0)
        .put("failed", counted ? t.errored() + t.expired() + t.cancelled() : 0);
    b.putNull("usage");
    b.set("metadata", job.details.metadata().isMissingNode() ? null : job.details.metadata());
    return b;
  }

  private static String status(SimulatedJob.View view) {
    SimulatedJob.Ended ended = view.ended();
    return switch (view.state()) {
      case RUNNING -> "in_progress";
      case CANCELLING -> "cancelling";
      case FINALIZING -> view.cancelledAt() != null ? "cancelling" : "finalizing";
      case ENDED -> ended.failed() ? "failed" : view.cancelledAt() != null ? "cancelled"
          : ended.tally().expired() > 0 ? "expired" : "completed";
    };
  }

  private static Long seconds(Instant at) {
    return at == null ? null : at.getEpochSecond();
  }

  @Override
  public void answered(ResultFiles results, int bucket, String customId, SimulatedAnswer answer) throws IOException {
    ObjectNode line = line(customId);
    ObjectNode response = line.putObject("response").put("status_code", answer.status())
        .put("request_id", answer.headers().get("x-request-id"));
    response.set("body", JobRoutes.JSON.readTree(answer.body()));
    line.putNull("error");
    if (answer.status() >= 200 && answer.status() < 300) results.output(bucket, line);
    else results.error(bucket, line);
  }

  @Override
  public void notRun(ResultFiles results, int bucket, String customId, boolean expired) throws IOException {
    ObjectNode line = line(customId);
    line.putNull("response");
    line.putObject("error").put("code", expired ? "batch_expired" : "batch_cancelled").put("message", expired
        ? "This request could not be executed before the completion window expired."
        : "This request was not executed because the batch was cancelled.");
    results.error(bucket, line);
  }

  private static ObjectNode line(String customId) {
    return JobRoutes.JSON.createObjectNode().put("id", SimulatedResponses.id("batch_req_")).put("custom_id", customId);
  }

  @Override
  public boolean failsWholeJobs() {
    return true;
  }

  @Override
  public void ended(SimulatedJob<?> job, SimulatedJob.Ended ended) throws IOException {
    if (ended.files() == null) return;
    String output = ended.files().output() == null ? null
        : files.add(ended.files().output(), job.id + "_output.jsonl", "batch_output").id();
    String errors = ended.files().errors() == null ? null
        : files.add(ended.files().errors(), job.id + "_error.jsonl", "batch_output").id();
    outputs.put(job.id, new OutputFiles(output, errors));
  }

  private static void json(Context ctx, JsonNode body) throws IOException {
    JobRoutes.json(ctx, 200, body);
  }

  /** A request the API refuses, answered in OpenAI's error envelope. */
  static final class Refusal extends RuntimeException {
    final int status;
    final String param;

    Refusal(int status, String message, String param) {
      super(message, null, false, false);
      this.status = status;
      this.param = param;
    }
  }
}
