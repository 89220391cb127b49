package dev.barge.batch;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.barge.batch.model.BatchApi;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.RequestState;
import dev.barge.blob.BlobStore;
import dev.barge.store.FileRecord;
import dev.barge.store.RequestQueries;
import dev.barge.store.ResultRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;

/**
 * Writes a batch's output file (answers with status 2xx) and error file (everything else) by
 * streaming its result rows, in the line format of spec §6.1.
 */
public final class ResultFiles {
  private static final JsonFactory JSON = new JsonFactory();
  /** Free space the result files leave on the blob store's disk. */
  static final long RESERVE_BYTES = 64L << 20;

  /** The files written; either may be null when it would be empty. Not yet stored as File objects. */
  record Written(FileRecord output, FileRecord errors) {}

  private final RequestQueries requests;
  private final BlobStore blobs;
  private final Clock clock;

  public ResultFiles(RequestQueries requests, BlobStore blobs, Clock clock) {
    this.requests = requests;
    this.blobs = blobs;
    this.clock = clock;
  }

  /**
   * Writes the files, once the blob store has room for them: refused (an {@link IOException} naming the
   * sizes) when its free space would fall under {@link #RESERVE_BYTES} with them in it. Better than filling
   * the disk halfway, and the database and uploads that may share it.
   */
  Written write(BatchRecord batch) throws IOException {
    // A message batch's results are served from its rows, in the Anthropic format: no files. So are those of
    // a Gemini batch created inline; one read from a file gets one responses file, errors included.
    if (batch.api() == BatchApi.ANTHROPIC) return new Written(null, null);
    if (batch.api() == BatchApi.GEMINI && !GeminiResults.fromFile(batch)) return new Written(null, null);
    long needed = requests.resultFileBytes(batch.id());
    long free = blobs.usableSpace();
    if (free - needed < RESERVE_BYTES) {
      throw new IOException("not enough free space for the result files of batch " + batch.id() + ": they need about "
          + size(needed) + ", the blob store has " + size(free) + " free and keeps " + size(RESERVE_BYTES)
          + " of it free (for the database and uploads)");
    }
    if (batch.api() == BatchApi.GEMINI) {
      try (Sink responses = new Sink(batch, "responses", GeminiResults::writeFileLine)) {
        requests.forEachResult(batch.id(), row -> {
          requireSettled(batch, row);
          try {
            responses.write(row);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
        return new Written(responses.commit(), null);
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    }
    LineWriter openAi = (json, row) -> writeLine(json, batch.id(), row);
    try (Sink output = new Sink(batch, "output", openAi); Sink errors = new Sink(batch, "error", openAi)) {
      requests.forEachResult(batch.id(), row -> {
        requireSettled(batch, row);
        try {
          (row.state() == RequestState.SUCCEEDED ? output : errors).write(row);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      return new Written(output.commit(), errors.commit());
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** Files are written only once every request has its outcome; anything else is a bug upstream. */
  private static void requireSettled(BatchRecord batch, ResultRow row) {
    if (row.state() == RequestState.QUEUED || row.state() == RequestState.LEASED) {
      throw new IllegalStateException("batch " + batch.id() + " line " + row.line() + " is still "
          + row.state() + " while its result files are written");
    }
  }

  /** Writes one result as a line of a result file, newline included. */
  private interface LineWriter {
    void write(JsonGenerator json, ResultRow row) throws IOException;
  }

  private static String size(long bytes) {
    return bytes < 1L << 20 ? Math.ceilDiv(bytes, 1L << 10) + " KiB" : Math.ceilDiv(bytes, 1L << 20) + " MiB";
  }

  /** One result in the output-line format (spec §6), followed by a newline. */
  static void writeLine(JsonGenerator json, String batchId, ResultRow row) throws IOException {
    json.writeStartObject();
    json.writeStringField("id", Ids.batchRequest(batchId, row.line()));
    json.writeStringField("custom_id", row.customId());
    if (row.statusCode() != null) {
      json.writeObjectFieldStart("response");
      json.writeNumberField("status_code", row.statusCode());
      json.writeStringField("request_id", row.requestId());
      json.writeFieldName("body");
      json.writeRawValue(row.response()); // the backend's JSON, byte for byte
      json.writeEndObject();
      json.writeNullField("error");
      writeCached(json, row);
    } else {
      json.writeNullField("response");
      json.writeObjectFieldStart("error");
      json.writeStringField("code", row.errorCode());
      json.writeStringField("message", row.errorMessage());
      json.writeEndObject();
    }
    json.writeEndObject();
    json.writeRaw('\n');
  }

  /** Barge's mark on an answer taken from the response cache: {@code "barge": {"cached": true}}. */
  static void writeCached(JsonGenerator json, ResultRow row) throws IOException {
    if (!row.cached()) return;
    json.writeObjectFieldStart("barge");
    json.writeBooleanField("cached", true);
    json.writeEndObject();
  }

  /** Deletes the bytes of files that were written but never became visible. */
  void discard(Written written) throws IOException {
    if (written.output() != null) blobs.delete(written.output().blobKey());
    if (written.errors() != null) blobs.delete(written.errors().blobKey());
  }

  /** One result file, created on its first line. */
  private final class Sink implements AutoCloseable {
    private final BatchRecord batch;
    private final String kind;
    private final LineWriter lines;
    private BlobStore.BlobWriter writer;
    private JsonGenerator json;

    Sink(BatchRecord batch, String kind, LineWriter lines) {
      this.batch = batch;
      this.kind = kind;
      this.lines = lines;
    }

    void write(ResultRow row) throws IOException {
      if (writer == null) {
        writer = blobs.create();
        json = JSON.createGenerator(writer.stream(), JsonEncoding.UTF8);
        json.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
        json.setRootValueSeparator(null);
      }
      lines.write(json, row);
    }

    FileRecord commit() throws IOException {
      if (writer == null) return null;
      json.flush();
      json.close();
      String key = writer.commit();
      long size = blobs.size(key);
      long now = clock.millis();
      long expiresAfterMs = batch.outputExpiresAfterSeconds() != null
          ? batch.outputExpiresAfterSeconds() * 1000
          : FileService.DEFAULT_EXPIRY.toMillis();
      return new FileRecord(Ids.file(), batch.project(), FileService.PURPOSE_BATCH_OUTPUT,
          batch.id() + "_" + kind + ".jsonl", size, now, now + expiresAfterMs, key);
    }

    @Override
    public void close() throws IOException {
      if (writer != null) writer.close();
    }
  }
}
