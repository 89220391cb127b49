package dev.barge.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.barge.blob.BlobStore;
import dev.barge.store.BatchRecord;
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
  private final Clock clock;

  InputValidator(FileStore files, BatchStore batches, RequestStore requests, BlobStore blobs,
      Predicate<String> modelServed, int maxRequests, int maxReportedErrors, int maxLineBytes, Clock clock) {
    this.files = files;
    this.batches = batches;
    this.requests = requests;
    this.blobs = blobs;
    this.modelServed = modelServed;
    this.maxRequests = maxRequests;
    this.maxReportedErrors = maxReportedErrors;
    this.maxLineBytes = maxLineBytes;
    this.clock = clock;
  }

  void validate(BatchRecord batch) throws IOException {
    requests.deleteAll(batch.id()); // a restart may have left part of an earlier attempt
    Optional<FileRecord> input = files.findIgnoringExpiry(batch.project(), batch.inputFileId());
    if (input.isEmpty()) {
      fail(batch, List.of(LineError.ofFile("invalid_request", "The input file " + batch.inputFileId()
          + " no longer exists.")));
      return;
    }
    LineChecker checker = new LineChecker(batch.endpoint(), modelServed, maxLineBytes);
    List<LineError> errors = new ArrayList<>();
    int[] count = {0};
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
        }
        return true;
      });
      if (errors.isEmpty()) inserter.finish(); // every row is in, or the failed insert throws here
    }
    if (errors.isEmpty() && count[0] == 0) {
      errors.add(LineError.ofFile("empty_file", "The input file contains no requests."));
    }
    if (!errors.isEmpty()) {
      fail(batch, errors);
      return;
    }
    if (!batches.startProcessing(batch.id(), checker.model(), count[0], clock.millis())) {
      requests.deleteAll(batch.id()); // cancelled or expired while we read the file
    }
  }

  /** Fails the batch with these errors and drops whatever rows were queued for it. */
  void fail(BatchRecord batch, List<LineError> errors) {
    requests.deleteAll(batch.id());
    ObjectNode list = JSON.createObjectNode().put("object", "list");
    ArrayNode data = list.putArray("data");
    for (LineError e : errors) {
      ObjectNode item = data.addObject().put("code", e.code()).put("message", e.message());
      if (e.param() == null) item.putNull("param");
      else item.put("param", e.param());
      if (e.line() == null) item.putNull("line");
      else item.put("line", e.line());
    }
    batches.failValidation(batch.id(), list.toString(), clock.millis());
  }
}
