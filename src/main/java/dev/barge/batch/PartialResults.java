package dev.barge.batch;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.batch.model.RequestState;
import dev.barge.store.RequestQueries;
import dev.barge.store.ResultRow;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Results finished so far, while a batch runs, in the output-line format (extension
 * {@code GET /v1/batches/{id}/partial?after_line=N}). Requests finish out of order, so the cursor is the
 * last line up to which every request has finished: asking again from there misses nothing, though a
 * result past it may come again (join on custom_id, as with the files).
 *
 * @param rows the finished results after the asked line, in line order
 * @param nextAfterLine where to ask from next time
 * @param more whether anything after the cursor is still to come (the batch runs, or lines after it
 *     exist): ask again while it is true
 */
public record PartialResults(List<ResultRow> rows, int nextAfterLine, boolean more) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** @param ended whether the batch has ended (before that, more lines may still come) */
  static PartialResults read(RequestQueries requests, String batchId, boolean ended, int afterLine, int limit) {
    List<ResultRow> page = requests.rowsAfter(batchId, afterLine, limit + 1);
    boolean more = page.size() > limit;
    if (more) page = page.subList(0, limit);
    int cursor = afterLine;
    boolean contiguous = true;
    for (ResultRow row : page) {
      boolean finished = row.state() != RequestState.QUEUED && row.state() != RequestState.LEASED;
      contiguous &= finished;
      if (contiguous) cursor = row.line();
    }
    int next = cursor;
    boolean waiting = !ended || more || page.stream().anyMatch(r -> r.line() > next);
    return new PartialResults(page.stream().filter(r -> r.state() != RequestState.QUEUED
        && r.state() != RequestState.LEASED).toList(), cursor, waiting);
  }

  /** Writes the rows as JSONL. */
  public void writeTo(String batchId, OutputStream out) throws IOException {
    try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      json.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
      json.setRootValueSeparator(null);
      for (ResultRow row : rows) ResultFiles.writeLine(json, batchId, row);
    }
  }
}
