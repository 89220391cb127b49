package dev.barge.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.blob.BlobStore;
import dev.barge.config.CanaryConfig;
import dev.barge.config.ProjectConfig;
import dev.barge.store.BatchRecord;
import dev.barge.store.BatchStatus;
import dev.barge.store.BatchStore;
import dev.barge.store.FileRecord;
import dev.barge.store.FileStore;
import dev.barge.store.NewRequest;
import dev.barge.store.RequestStore;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Reads a batch's input file once, checks every line, and either queues one request row per line
 * ({@code validating → in_progress}) or fails the batch with line-numbered errors before anything is sent.
 */
final class InputValidator {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FileStore files;
  private final BatchStore batches;
  private final RequestStore requests;
  private final BlobStore blobs;
  private final Predicate<String> modelServed;
  private final int maxRequests;
  private final int maxReportedErrors;
  private final int maxLineBytes;
  private final CanaryConfig canary;
  private final Function<String, ProjectConfig> projects;
  private final Predicate<String> modelPriced;
  private final Clock clock;

  InputValidator(FileStore files, BatchStore batches, RequestStore requests, BlobStore blobs,
      Predicate<String> modelServed, int maxRequests, int maxReportedErrors, int maxLineBytes, CanaryConfig canary,
      Function<String, ProjectConfig> projects, Predicate<String> modelPriced, Clock clock) {
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
    LineChecker checker = new LineChecker(batch.endpoint(), modelServed, maxLineBytes);
    List<LineError> errors = new ArrayList<>();
    int[] count = {0};
    long[] enqueuedTokens = {0};
    Integer askedSize = batch.canary().size();
    // The server's default canary applies to files of more than above_lines lines: unknown until the end,
    // so the sample is drawn at the default size and dropped if the file turns out smaller.
    CanarySample sample = new CanarySample(askedSize != null ? askedSize : canary.size(), batch.id());
    try (RowInserter inserter = new RowInserter(requests, batch.id());
        InputStream in = blobs.open(input.get().blobKey())) {
      JsonlLines.read(in, maxLineBytes, line -> {
        if (line.blank()) return true;
        if (++count[0] > maxRequests) {
          errors.add(LineError.ofFile("too_many_tasks",
              "The file has more than " + maxRequests + " requests, the limit for one batch."));
          return false;
        }
        LineError error = checker.check(line);
        if (error != null) {
          errors.add(error);
          return errors.size() < maxReportedErrors;
        }
        if (errors.isEmpty()) {
          inserter.add(new NewRequest(line.number(), checker.acceptedCustomId(), line.offset(), line.length()));
          enqueuedTokens[0] += Math.ceilDiv(checker.bodyBytes(), 4); // the spec's estimate: body bytes / 4
          sample.add(line.number());
        }
        return true;
      });
      if (errors.isEmpty()) inserter.finish(); // every row is in, or the failed insert throws here
    }
    if (errors.isEmpty() && count[0] == 0) {
      errors.add(LineError.ofFile("empty_file", "The input file contains no requests."));
    }
    if (errors.isEmpty() && batch.spend().maxCost() != null && !modelPriced.test(checker.model())) {
      errors.add(LineError.ofFile("invalid_request", "The batch sets max_cost_usd, but the model '"
          + checker.model() + "' has no price in this server's price table, so its cost cannot be counted."));
    }
    if (!errors.isEmpty()) {
      fail(batch, errors);
      return;
    }
    boolean defaultCanary = askedSize == null;
    List<Integer> canaryLines = defaultCanary && count[0] <= canary.aboveLines() ? List.of() : sample.lines();
    Long tokenLimit = projects.apply(batch.project()).enqueuedTokenLimit(checker.model());
    switch (batches.startProcessing(batch.id(), checker.model(), count[0], enqueuedTokens[0], canaryLines,
        tokenLimit, clock.millis())) {
      case STARTED -> { }
      case NOT_VALIDATING -> requests.deleteUnstarted(batch.id()); // cancelled or expired while we read the file
      case OVER_QUOTA -> fail(batch, List.of(LineError.ofFile("token_limit_exceeded", "Enqueued token limit"
          + " reached for " + checker.model() + " in project " + batch.project() + ": the batch's "
          + enqueuedTokens[0] + " estimated prompt tokens, with the "
          + batches.enqueuedTokens(batch.id(), checker.model()) + " already enqueued by its unfinished batches,"
          + " would pass the limit of " + tokenLimit + ". Try again once some have finished.")));
    }
  }

  /** Fails the batch with these errors and drops whatever rows were queued for it. */
  void fail(BatchRecord batch, List<LineError> errors) {
    batches.failValidation(batch.id(), errorsJson(errors), clock.millis());
    requests.deleteUnstarted(batch.id());
  }

  /** The batch's {@code errors} object: a list of {@code {code, message, param, line}}. */
  static String errorsJson(List<LineError> errors) {
    ObjectNode list = JSON.createObjectNode().put("object", "list");
    ArrayNode data = list.putArray("data");
    for (LineError e : errors) {
      ObjectNode item = data.addObject().put("code", e.code()).put("message", e.message());
      if (e.param() == null) item.putNull("param");
      else item.put("param", e.param());
      if (e.line() == null) item.putNull("line");
      else item.put("line", e.line());
    }
    return list.toString();
  }
}
