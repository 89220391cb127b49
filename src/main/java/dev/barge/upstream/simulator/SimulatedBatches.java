package dev.barge.upstream.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.upstream.Endpoint;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The OpenAI Files and Batch APIs as a provider serves them, on the simulator: a JSONL file uploaded with
 * {@code purpose=batch}, a job created on it, polled, and its output and error files downloaded. Requests are
 * answered by the same {@link Simulator} as real-time calls, when the job ends ({@link SimulatorBatchJobs}
 * says when and how). Files live in a temporary directory, streamed in and out: a job of a million lines
 * holds none of them in memory.
 */
final class SimulatedBatches {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_TYPE = "application/json";

  private final Simulator simulator;
  private final SimulatorBatchJobs behaviour;
  private final Clock clock;
  private final Path dir;
  private final Map<String, Path> files = new ConcurrentHashMap<>();
  private final Map<String, Job> jobs = new ConcurrentHashMap<>();
  private final AtomicLong created = new AtomicLong();
  private final AtomicLong cancelled = new AtomicLong();
  private final AtomicLong answered = new AtomicLong();
  private final AtomicLong sequence = new AtomicLong();

  /** One job; its status moves on when it is looked at. */
  private static final class Job {
    final String id;
    final String inputFileId;
    final String endpoint;
    final JsonNode metadata;
    final long createdAt;
    String status = "in_progress";
    Long cancelAt;
    String outputFileId;
    String errorFileId;
    long total;
    long completed;
    long failed;

    Job(String id, String inputFileId, String endpoint, JsonNode metadata, long createdAt) {
      this.id = id;
      this.inputFileId = inputFileId;
      this.endpoint = endpoint;
      this.metadata = metadata;
      this.createdAt = createdAt;
    }
  }

  SimulatedBatches(Simulator simulator, SimulatorBatchJobs behaviour, Clock clock) {
    this.simulator = simulator;
    this.behaviour = behaviour;
    this.clock = clock;
    try {
      this.dir = Files.createTempDirectory("barge-simulator-batches");
      dir.toFile().deleteOnExit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void register(Javalin app) {
    app.post("/v1/files", this::upload);
    app.get("/v1/files/{id}/content", this::content);
    app.post("/v1/batches", this::create);
    app.get("/v1/batches", this::list);
    app.get("/v1/batches/{id}", ctx -> ctx.contentType(JSON_TYPE).result(render(look(ctx.pathParam("id"))).toString()));
    app.post("/v1/batches/{id}/cancel", this::cancel);
  }

  long jobsCreated() {
    return created.get();
  }

  long jobsCancelled() {
    return cancelled.get();
  }

  /** Requests answered inside jobs. */
  long jobRequests() {
    return answered.get();
  }

  private void upload(Context ctx) throws IOException {
    UploadedFile file = ctx.uploadedFile("file");
    if (file == null) {
      ctx.status(400).contentType(JSON_TYPE).result(error("Missing the 'file' field."));
      return;
    }
    String id = "file-sim" + sequence.incrementAndGet();
    Path path = dir.resolve(id);
    try (InputStream in = file.content()) {
      Files.copy(in, path, StandardCopyOption.REPLACE_EXISTING);
    }
    files.put(id, path);
    ctx.contentType(JSON_TYPE).result(JSON.createObjectNode().put("id", id).put("object", "file")
        .put("bytes", Files.size(path)).put("created_at", clock.instant().getEpochSecond())
        .put("filename", file.filename()).put("purpose", ctx.formParam("purpose")).toString());
  }

  private void content(Context ctx) throws IOException {
    Path path = files.get(ctx.pathParam("id"));
    if (path == null) {
      ctx.status(404).contentType(JSON_TYPE).result(error("No such file."));
      return;
    }
    ctx.contentType("application/jsonl");
    try (InputStream in = Files.newInputStream(path)) {
      in.transferTo(ctx.res().getOutputStream());
    }
  }

  private void create(Context ctx) throws IOException {
    JsonNode body = JSON.readTree(ctx.body());
    String input = body.path("input_file_id").asText();
    if (!files.containsKey(input)) {
      ctx.status(400).contentType(JSON_TYPE).result(error("No file with id '" + input + "'."));
      return;
    }
    String id = "batch_sim" + sequence.incrementAndGet();
    Job job = new Job(id, input, body.path("endpoint").asText(), body.get("metadata"), clock.millis());
    jobs.put(id, job);
    created.incrementAndGet();
    ctx.contentType(JSON_TYPE).result(render(job).toString());
  }

  private void list(Context ctx) {
    int limit = ctx.queryParam("limit") == null ? 20 : Integer.parseInt(ctx.queryParam("limit"));
    String after = ctx.queryParam("after");
    List<Job> newestFirst = new ArrayList<>(jobs.values());
    newestFirst.sort(Comparator.comparingLong((Job j) -> j.createdAt).thenComparing(j -> j.id).reversed());
    int from = 0;
    if (after != null) {
      for (int i = 0; i < newestFirst.size(); i++) if (newestFirst.get(i).id.equals(after)) from = i + 1;
    }
    List<Job> page = newestFirst.subList(Math.min(from, newestFirst.size()), Math.min(from + limit, newestFirst.size()));
    ObjectNode out = JSON.createObjectNode().put("object", "list");
    ArrayNode data = out.putArray("data");
    for (Job j : page) data.add(render(look(j.id)));
    out.put("has_more", from + limit < newestFirst.size());
    out.put("first_id", page.isEmpty() ? null : page.getFirst().id);
    out.put("last_id", page.isEmpty() ? null : page.getLast().id);
    ctx.contentType(JSON_TYPE).result(out.toString());
  }

  private void cancel(Context ctx) {
    Job job = jobs.get(ctx.pathParam("id"));
    if (job == null) throw new io.javalin.http.NotFoundResponse();
    synchronized (job) {
      if (job.status.equals("in_progress")) {
        job.status = "cancelling";
        job.cancelAt = clock.millis();
        cancelled.incrementAndGet();
      }
    }
    ctx.contentType(JSON_TYPE).result(render(look(job.id)).toString());
  }

  /** The job, moved on to where time has taken it: ended (its files written) once its time is up. */
  private Job look(String id) {
    Job job = jobs.get(id);
    if (job == null) throw new io.javalin.http.NotFoundResponse();
    synchronized (job) {
      long now = clock.millis();
      long endsAt = job.createdAt + behaviour.completeAfter().toMillis();
      if (job.status.equals("cancelling")) {
        double done = Math.min(1, (double) (job.cancelAt - job.createdAt) / Math.max(1, endsAt - job.createdAt));
        end(job, "cancelled", done, "batch_cancelled");
      } else if (job.status.equals("in_progress") && now >= endsAt) {
        if (behaviour.failJobs()) {
          job.status = "failed";
        } else {
          double run = 1 - behaviour.expireFraction();
          end(job, behaviour.expireFraction() > 0 ? "expired" : "completed", run, "batch_expired");
        }
      }
    }
    return job;
  }

  /** Runs the first {@code share} of the job's requests; the rest end with {@code unrunCode}. */
  private void end(Job job, String status, double share, String unrunCode) {
    Path input = files.get(job.inputFileId);
    String outputId = "file-sim" + sequence.incrementAndGet();
    String errorId = "file-sim" + sequence.incrementAndGet();
    Path output = dir.resolve(outputId);
    Path errors = dir.resolve(errorId);
    Endpoint endpoint = Endpoint.ofPath(job.endpoint).orElse(Endpoint.CHAT_COMPLETIONS);
    Random random = new Random(job.id.hashCode());
    try {
      long lines;
      try (var in = Files.lines(input)) {
        lines = in.filter(l -> !l.isBlank()).count();
      }
      long toRun = (long) Math.floor(lines * share);
      // Shuffled: the odd lines' results first, then the even ones', so the order differs from the input.
      for (int pass = 0; pass < (behaviour.shuffle() ? 2 : 1); pass++) {
        try (BufferedReader in = Files.newBufferedReader(input, StandardCharsets.UTF_8);
            BufferedWriter out = Files.newBufferedWriter(output, StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            BufferedWriter err = Files.newBufferedWriter(errors, StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)) {
          long n = 0;
          String line;
          while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            long index = n++;
            if (behaviour.shuffle() && index % 2 != (pass == 0 ? 1 : 0)) continue;
            JsonNode request = JSON.readTree(line);
            String customId = request.path("custom_id").asText();
            if (index >= toRun) {
              job.failed++;
              err.write(JSON.createObjectNode().put("id", "batch_req_sim" + index).put("custom_id", customId)
                  .putNull("response").set("error", JSON.createObjectNode().put("code", unrunCode)
                      .put("message", "This request was not run: " + unrunCode)).toString());
              err.newLine();
              continue;
            }
            if (random.nextDouble() < behaviour.errorFraction()) {
              int status = random.nextBoolean() ? 429 : 500;
              job.failed++;
              err.write(result(index, customId, status, JSON.readTree(JSON.createObjectNode().set("error",
                  JSON.createObjectNode().put("message", "Simulated per-line " + status).put("type",
                      status == 429 ? "rate_limit_error" : "server_error")).toString())).toString());
              err.newLine();
              continue;
            }
            SimulatedAnswer answer = simulator.answer(endpoint, JSON.writeValueAsBytes(request.path("body")));
            simulator.delivered();
            answered.incrementAndGet();
            BufferedWriter target = answer.status() == 200 ? out : err;
            if (answer.status() == 200) job.completed++;
            else job.failed++;
            target.write(result(index, customId, answer.status(), JSON.readTree(answer.body())).toString());
            target.newLine();
          }
        }
      }
      job.total = lines;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    files.put(outputId, output);
    files.put(errorId, errors);
    job.outputFileId = outputId;
    job.errorFileId = errorId;
    job.status = status;
  }

  private static ObjectNode result(long index, String customId, int status, JsonNode body) {
    ObjectNode o = JSON.createObjectNode().put("id", "batch_req_sim" + index).put("custom_id", customId);
    o.putObject("response").put("status_code", status).put("request_id", "req_sim" + index).set("body", body);
    o.putNull("error");
    return o;
  }

  private ObjectNode render(Job job) {
    ObjectNode o = JSON.createObjectNode().put("id", job.id).put("object", "batch").put("endpoint", job.endpoint)
        .put("input_file_id", job.inputFileId).put("completion_window", "24h").put("status", job.status)
        .put("output_file_id", job.outputFileId).put("error_file_id", job.errorFileId)
        .put("created_at", job.createdAt / 1000);
    if (job.status.equals("failed")) {
      o.putObject("errors").put("object", "list").putArray("data").addObject().put("code", "simulated_failure")
          .put("message", "The simulator fails every job (--job-fail).");
    } else {
      o.putNull("errors");
    }
    o.putObject("request_counts").put("total", job.total).put("completed", job.completed).put("failed", job.failed);
    o.set("metadata", job.metadata);
    return o;
  }

  private static String error(String message) {
    ObjectNode o = JSON.createObjectNode();
    o.putObject("error").put("message", message).put("type", "invalid_request_error");
    return o.toString();
  }
}
