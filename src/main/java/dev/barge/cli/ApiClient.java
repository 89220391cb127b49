package dev.barge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.hc.client5.http.classic.methods.HttpDelete;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.StringEntity;

/** The Files and Batch API of a Barge server, as the CLI uses it. Failures carry the server's own message. */
final class ApiClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The server answered with an error, or could not be reached. */
  static final class ApiError extends RuntimeException {
    ApiError(String message) {
      super(message);
    }
  }

  private final String base;
  private final String apiKey;
  private final CloseableHttpClient http = HttpClients.createDefault();

  ApiClient(String url, String apiKey) {
    String trimmed = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.base = trimmed.endsWith("/v1") ? trimmed : trimmed + "/v1";
    this.apiKey = apiKey;
  }

  /** Uploads a batch input file; returns its id. */
  String upload(Path file) {
    HttpPost post = new HttpPost(URI.create(base + "/files"));
    post.setEntity(MultipartEntityBuilder.create().addTextBody("purpose", "batch")
        .addBinaryBody("file", file.toFile(), ContentType.create("application/jsonl"), file.getFileName().toString())
        .build());
    return send(post).get("id").asText();
  }

  /** A path segment (an id) as it may stand in a URL. */
  static String segment(String id) {
    return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
  }

  JsonNode get(String path) {
    return send(new HttpGet(URI.create(base + path)));
  }

  JsonNode emptyObject() {
    return JSON.createObjectNode();
  }

  JsonNode post(String path, JsonNode body) {
    HttpPost post = new HttpPost(URI.create(base + path));
    post.setEntity(new StringEntity(body.toString(), ContentType.APPLICATION_JSON));
    return send(post);
  }

  void delete(String path) {
    send(new HttpDelete(URI.create(base + path)));
  }

  /** A batch's files downloaded: its input, and its output and error files (null when it has none). */
  record BatchFiles(Path input, Path output, Path errors) {
    /** The result files there are, the output first. */
    List<Path> results() {
      List<Path> files = new ArrayList<>();
      if (output != null) files.add(output);
      if (errors != null) files.add(errors);
      return files;
    }
  }

  /** Downloads a batch's files into {@code dir}, their names starting with {@code prefix}. */
  BatchFiles downloadFiles(JsonNode batch, Path dir, String prefix) {
    Path input = dir.resolve(prefix + "input.jsonl");
    download(batch.path("input_file_id").asText(), input);
    return new BatchFiles(input, downloadIfAny(batch.get("output_file_id"), dir.resolve(prefix + "output.jsonl")),
        downloadIfAny(batch.get("error_file_id"), dir.resolve(prefix + "errors.jsonl")));
  }

  private Path downloadIfAny(JsonNode fileId, Path target) {
    if (fileId == null || !fileId.isTextual()) return null;
    download(fileId.asText(), target);
    return target;
  }

  /** Every batch of the caller's project, newest first (all pages). */
  List<JsonNode> allBatches() {
    List<JsonNode> all = new ArrayList<>();
    String after = null;
    while (true) {
      JsonNode page = get("/batches?limit=100" + (after == null ? "" : "&after=" + segment(after)));
      page.path("data").forEach(all::add);
      if (!page.path("has_more").asBoolean() || page.path("data").isEmpty()) return all;
      after = page.path("last_id").asText();
    }
  }

  /** Downloads a file's content to {@code target}, whole or not at all. */
  void download(String fileId, Path target) {
    HttpGet get = new HttpGet(URI.create(base + "/files/" + segment(fileId) + "/content"));
    authorize(get);
    try {
      http.execute(get, response -> {
        if (response.getCode() >= 300) throw error(response);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (InputStream in = response.getEntity().getContent()) {
          Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return null;
      });
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  private JsonNode send(HttpUriRequestBase request) {
    authorize(request);
    try {
      return http.execute(request, response -> {
        if (response.getCode() >= 300) throw error(response);
        try (InputStream in = response.getEntity().getContent()) {
          return JSON.readTree(in);
        }
      });
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  private void authorize(HttpUriRequestBase request) {
    if (apiKey != null && !apiKey.isBlank()) request.setHeader("Authorization", "Bearer " + apiKey);
  }

  private ApiError unreachable(IOException e) {
    return new ApiError("cannot reach Barge at " + base + ": " + e.getMessage());
  }

  /** The server's own error message, from the OpenAI error envelope when there is one. */
  private static ApiError error(ClassicHttpResponse response) throws IOException {
    String text = response.getEntity() == null ? "" : new String(response.getEntity().getContent().readAllBytes(),
        StandardCharsets.UTF_8);
    String message = text;
    try {
      JsonNode error = JSON.readTree(text).path("error");
      if (error.hasNonNull("message")) {
        message = error.get("message").asText() + (error.hasNonNull("param") ? " (" + error.get("param").asText() + ")" : "");
      }
    } catch (IOException notJson) {
      // the text itself says what went wrong
    }
    return new ApiError("the server answered " + response.getCode() + ": " + message);
  }

  @Override
  public void close() {
    try {
      http.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
