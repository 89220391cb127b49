package dev.barge.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchStatus;
import dev.barge.batch.model.CacheMode;
import dev.barge.blob.BlobStore;
import dev.barge.config.CanaryConfig;
import dev.barge.config.ProjectConfig;
import dev.barge.store.BatchStore;
import dev.barge.store.FileRecord;
import dev.barge.store.FileStore;
import dev.barge.store.NewRequest;
import dev.barge.store.RequestQueue;
import dev.barge.store.ResponseCache;
import dev.barge.upstream.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.BitSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Reads a batch's input file once, checks every line, and either queues one request row per line
 * ({@code validating → in_progress}) or fails the batch with line-numbered errors before anything is sent.
 */
public final class InputValidator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ResponseCache.Taken NOTHING_CACHED = new ResponseCache.Taken(0, 0, new BitSet());

  private final FileStore files;
  private final BatchStore batches;
  private final RequestQueue requests;
  private final BlobStore blobs;
  private final Predicate<String> modelServed;
  private final int maxRequests;
  private final int maxReportedErrors;
  private final int maxLineBytes;
  private final CanaryConfig canary;
  private final Function<String, ProjectConfig> projects;
  private final Predicate<String> modelPriced;
  private final ResponseCache cache;
  /** How old an answer the response cache may give ({@code batch.cache.ttl}). */
  private final Duration cacheTtl;
  /** Whether lines sharing a long prompt prefix are claimed together ({@code batch.group_prefixes}). */
  private final boolean groupPrefixes;
  private final Clock clock;

  public InputValidator(FileStore files, BatchStore batches, RequestQueue requests, BlobStore blobs,
      Predicate<String> modelServed, int maxRequests, int maxReportedErrors, int maxLineBytes, CanaryConfig canary,
      Function<String, ProjectConfig> projects, Predicate<String> modelPriced, ResponseCache cache, Duration cacheTtl,
      boolean groupPrefixes, Clock clock) {
    this.files = files;
    this.batches = batches;
    this.requests = requests;
    this.blobs = blobs;
    this.modelServed = modelServed;
    this.maxRequests = maxRequests;
    this.maxReportedErrors = maxReportedErrors;
    this.maxLineBytes = maxLineBytes;
    this.canary = canary;
    this.projects = projects;
    this.modelPriced = modelPriced;
    this.cache = cache;
    this.cacheTtl = cacheTtl;
    this.groupPrefixes = groupPrefixes;
    this.clock = clock;
  }

  void validate(BatchRecord batch) throws IOException {
    // The caller's view may be stale: the batch may have been validated and started since it was read.
    if (batches.find(batch.id()).map(b -> b.status() != BatchStatus.VALIDATING).orElse(true)) return;
    requests.deleteUnstarted(batch.id()); // a restart may have left part of an earlier attempt
    Optional<FileRecord> input = files.findIgnoringExpiry(batch.project(), batch.inputFileId());
    if (input.isEmpty()) {
      fail(batch, List.of(LineError.ofFile("invalid_request", "The input file " + batch.inputFileId()
          + " no longer exists.")));
      return;
    }
    LineChecker checker = checker(batch.endpoint());
    Endpoint endpoint = Endpoint.ofPath(batch.endpoint()).orElseThrow();
    boolean cacheOn = batch.cache() != CacheMode.OFF;
    PrefixGroups groups = groupPrefixes && PrefixGroups.applies(endpoint) ? new PrefixGroups(endpoint) : null;
    long[] enqueuedTokens = {0};
    Integer askedSize = batch.canary().size();
    // The server's default canary applies to files of more than above_lines lines: unknown until the end,
    // so the sample is drawn at the default size and dropped if the file turns out smaller.
    CanarySample sample = new CanarySample(askedSize != null ? askedSize : canary.size(), batch.id());
    // The inline doors check each request on its own: a bad one ends failed, the others run.
    List<RequestQueue.RefusedRequest> refused = new ArrayList<>();
    RefusedLine perLine = checker.perRequest() ? (line, error) -> refused.add(new RequestQueue.RefusedRequest(
        new NewRequest(line.number(), checker.customId(), line.offset(), line.length()), "invalid_request",
        error.message())) : null;
    Scan scan;
    try (RowInserter inserter = new RowInserter(requests, batch.id());
        InputStream in = blobs.open(input.get().blobKey())) {
      scan = scan(in, checker, line -> {
        // A line shorter than a long prefix has none: it is not read again for one.
        boolean grouped = groups != null && line.length() >= PrefixGroups.MIN_PREFIX_CHARS;
        JsonNode body = cacheOn || grouped ? body(line) : null;
        inserter.add(new NewRequest(line.number(), checker.acceptedCustomId(), line.offset(), line.length(),
            cacheOn ? CacheKeys.of(batch.cache(), endpoint, body) : null,
            grouped ? groups.rank(line.number(), body) : line.number()));
        enqueuedTokens[0] += Math.ceilDiv(checker.bodyBytes(), 4); // the spec's estimate: body bytes / 4
        sample.add(line.number());
      }, perLine);
      if (scan.errors().isEmpty()) inserter.finish(); // every row is in, or the failed insert throws here
    }
    if (scan.errors().isEmpty()) requests.insertRefused(batch.id(), refused, clock.millis());
    List<LineError> errors = new ArrayList<>(scan.errors());
    LineError unpriced = unpricedBudget(batch.spend().maxCost() != null, checker.model());
    if (errors.isEmpty() && unpriced != null) errors.add(unpriced);
    if (!errors.isEmpty()) {
      fail(batch, errors);
      return;
    }
    long now = clock.millis();
    ResponseCache.Taken cached = batch.cache() == CacheMode.OFF ? NOTHING_CACHED
        : cache.answerQueued(batch.id(), batch.project(), now - cacheTtl.toMillis(), now);
    boolean defaultCanary = askedSize == null;
    // A line answered from the cache says nothing about how the backend takes this batch: not in the sample.
    List<Integer> canaryLines = defaultCanary && scan.requests() <= canary.aboveLines() ? List.of()
        : sample.lines().stream().filter(line -> !cached.lines().get(line)).toList();
    // A message batch whose every request was refused has no model: it starts with nothing to send.
    Long tokenLimit = checker.model() == null ? null : tokenLimit(batch.project(), checker.model());
    switch (batches.startProcessing(batch.id(), checker.model(), scan.requests(), refused.size(), cached.requests(),
        cached.listCost(), enqueuedTokens[0], canaryLines, canary.maxFailureRate(), tokenLimit, now)) {
      case STARTED -> { }
      case NOT_VALIDATING -> requests.deleteUnstarted(batch.id()); // cancelled or expired while we read the file
      case OVER_QUOTA -> fail(batch, List.of(overQuota(batch.project(), checker.model(), enqueuedTokens[0],
          tokenLimit)));
    }
  }

  /** The request body of an accepted line (the checker read it as JSON already). */
  private static JsonNode body(JsonlLines.Line line) {
    try {
      return JSON.readTree(line.bytes(), 0, line.length()).get("body");
    } catch (IOException e) {
      return null; // accepted lines are JSON; nothing to cache or group by otherwise
    }
  }

  /** The error of a batch whose estimated prompt tokens do not fit the project's quota for the model. */
  LineError overQuota(String project, String model, long tokens, long limit) {
    return LineError.ofFile("token_limit_exceeded", "Enqueued token limit reached for " + model + " in project "
        + project + ": the batch's " + tokens + " estimated prompt tokens, with the "
        + batches.enqueuedTokens(project, model) + " already enqueued by its unfinished batches, would pass the"
        + " limit of " + limit + ". Try again once some have finished.");
  }

  /** The project's enqueued-token limit for {@code model}, or null for none. */
  Long tokenLimit(String project, String model) {
    return projects.apply(project).enqueuedTokenLimit(model);
  }

  /** The quota error a batch of {@code tokens} estimated prompt tokens would get if it started now, or null. */
  LineError quotaErrorNow(String project, String model, long tokens) {
    Long limit = tokenLimit(project, model);
    return limit != null && batches.enqueuedTokens(project, model) + tokens > limit
        ? overQuota(project, model, tokens, limit) : null;
  }

  /** The error of a batch with a budget on a model the price table does not know, or null. */
  LineError unpricedBudget(boolean hasBudget, String model) {
    return hasBudget && !modelPriced.test(model) ? LineError.ofFile("invalid_request", "The batch sets"
        + " max_cost_usd, but the model '" + model + "' has no price in this server's price table, so its cost"
        + " cannot be counted.") : null;
  }

  /** Receives a line refused on its own, when a batch's lines are checked one by one. */
  interface RefusedLine {
    void refuse(JsonlLines.Line line, LineError error);
  }

  /** Receives each valid request line of a {@link #scan}. */
  interface AcceptedLine {
    void accept(JsonlLines.Line line) throws IOException;
  }

  /** What a pass over an input file found: its request lines, and its errors (empty when all are valid). */
  record Scan(int requests, List<LineError> errors) {}

  /**
   * Reads every line of {@code in} with {@code checker}, handing each valid request line to {@code accepted}
   * as long as no line has failed. Stops at the request limit or after the most errors worth reporting.
   */
  Scan scan(InputStream in, LineChecker checker, AcceptedLine accepted) throws IOException {
    return scan(in, checker, accepted, null);
  }

  /**
   * The same; with {@code perLine}, a line whose request breaks a rule is handed there instead of failing
   * the batch (only lines that are not requests at all, e.g. no JSON or no custom_id, still do).
   */
  Scan scan(InputStream in, LineChecker checker, AcceptedLine accepted, RefusedLine perLine) throws IOException {
    List<LineError> errors = new ArrayList<>();
    int[] count = {0};
    JsonlLines.read(in, maxLineBytes, line -> {
      if (line.blank()) return true;
      if (++count[0] > maxRequests) {
        errors.add(LineError.ofFile("too_many_tasks",
            "The file has more than " + maxRequests + " requests, the limit for one batch."));
        return false;
      }
      LineError error = checker.check(line);
      // Barge wrote a message batch's lines itself: whatever is wrong with one is that request's alone.
      if (error != null && perLine != null && checker.customId() != null && !error.code().equals("duplicate_custom_id")) {
        perLine.refuse(line, error);
        return true;
      }
      if (error != null) {
        errors.add(error);
        return errors.size() < maxReportedErrors;
      }
      if (errors.isEmpty()) accepted.accept(line);
      return true;
    });
    if (errors.isEmpty() && count[0] == 0) {
      errors.add(LineError.ofFile("empty_file", "The input file contains no requests."));
    }
    return new Scan(count[0], errors);
  }

  /** A checker of this server's line rules for a batch on {@code endpoint}. */
  LineChecker checker(String endpoint) {
    return new LineChecker(endpoint, modelServed, maxLineBytes);
  }

  /** Fails the batch with these errors and drops whatever rows were queued for it. */
  void fail(BatchRecord batch, List<LineError> errors) {
    batches.failValidation(batch.id(), LineError.listJson(errors), clock.millis());
    requests.deleteUnstarted(batch.id());
  }
}
