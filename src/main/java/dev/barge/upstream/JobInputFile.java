package dev.barge.upstream;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The input of one provider job, written as it comes to a temporary file in the provider's format: the
 * part common to the providers (the file, the counts, one endpoint per job, refusals of requests the
 * translation cannot carry). Not thread-safe: one writer fills it, then the job is created from it.
 */
abstract sealed class JobInputFile implements ProviderBatchApi.JobInput permits OpenAiJobInput, AnthropicJobInput {
  static final ObjectMapper JSON = new ObjectMapper();

  private final Path path;
  private final CountingStream counted;
  private final JsonGenerator json;
  private Endpoint endpoint;
  private int requests;
  private boolean finished;

  JobInputFile(String suffix) throws IOException {
    this.path = Files.createTempFile("barge-job-", suffix);
    try {
      this.counted = new CountingStream(new BufferedOutputStream(Files.newOutputStream(path), 1 << 16));
      this.json = JSON.getFactory().createGenerator(counted, JsonEncoding.UTF8);
      start(json);
      json.flush(); // so that bytes() counts the start from the first
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(path);
      throw e;
    }
  }

  /** Writes what comes before the first request. */
  abstract void start(JsonGenerator json) throws IOException;

  /** Writes one request: {@code body} is already in the provider's format. */
  abstract void writeRequest(JsonGenerator json, String customId, JsonNode body) throws IOException;

  /** Writes what comes after the last request. */
  abstract void end(JsonGenerator json) throws IOException;

  /** The bytes {@link #end} writes, counted in {@link #bytes()} before they are written. */
  abstract int endBytes();

  /** The bytes between two requests. */
  abstract int separatorBytes();

  /** The request body for the provider; throws for one the translation to its format cannot carry. */
  abstract JsonNode providerBody(Endpoint endpoint, byte[] body) throws Untranslatable, IOException;

  /** Whether this provider's jobs take requests of {@code endpoint}, as they are or translated. */
  abstract boolean serves(Endpoint endpoint);

  @Override
  public final Optional<Outcome.Rejected> add(String customId, Endpoint endpoint, byte[] body) throws IOException {
    requireEndpoint(endpoint);
    if (finished) throw new IllegalStateException("the job's input is already complete");
    this.endpoint = endpoint;
    JsonNode providerBody;
    try {
      providerBody = providerBody(endpoint, body);
    } catch (Untranslatable e) {
      return Optional.of(e.answer());
    }
    writeRequest(json, customId, providerBody);
    json.flush();
    requests++;
    return Optional.empty();
  }

  @Override
  public final long bytesFor(String customId, Endpoint endpoint, byte[] body) {
    requireEndpoint(endpoint);
    this.endpoint = endpoint; // a job's one endpoint, fixed by its first request: asking first fixes it too
    try {
      ByteArrayOutputStream one = new ByteArrayOutputStream(body.length + 128);
      try (JsonGenerator g = JSON.getFactory().createGenerator(one, JsonEncoding.UTF8)) {
        writeRequest(g, customId, providerBody(endpoint, body));
      }
      return (requests > 0 ? separatorBytes() : 0) + one.size();
    } catch (Untranslatable e) {
      return 0;
    } catch (IOException e) {
      throw new IllegalArgumentException("the request body is not JSON", e);
    }
  }

  @Override
  public final int requests() {
    return requests;
  }

  @Override
  public final long bytes() {
    return counted.count + (finished ? 0 : endBytes());
  }

  /** The endpoint of the requests, as the engine gave them; null before the first. */
  final Endpoint endpoint() {
    return endpoint;
  }

  /** Completes the file and returns it; the job is created from it. Calling it again returns it again. */
  final Path finish() throws IOException {
    if (!finished) {
      end(json);
      json.close();
      finished = true;
    }
    return path;
  }

  private void requireEndpoint(Endpoint endpoint) {
    if (!serves(endpoint)) {
      throw new IllegalArgumentException(endpoint.path() + " requests cannot go in a job of this provider");
    }
    if (this.endpoint != null && this.endpoint != endpoint) {
      throw new IllegalArgumentException("a job holds requests for one endpoint: " + this.endpoint.path()
          + ", not " + endpoint.path());
    }
  }

  @Override
  public final void close() throws IOException {
    try {
      json.close();
    } finally {
      Files.deleteIfExists(path);
    }
  }

  /** Counts what reaches the file, so {@link #bytes()} needs no look at the disk. */
  private static final class CountingStream extends FilterOutputStream {
    private long count;

    CountingStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
