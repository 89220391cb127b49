package dev.barge.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.config.BargeConfig;
import dev.barge.config.ConfigLoader;
import dev.barge.engine.Engine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Uploads parsed as they stream in: fields in any order, limits while reading, nothing left of a failed one. */
class StreamingUploadTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String B = "----barge-test-boundary";
  private static final int LIMIT = 100_000;

  @TempDir static Path dir;
  private static Engine engine;
  private static ApiServer server;
  private static String base;

  @BeforeAll
  static void start() {
    Path data = dir.resolve("data");
    BargeConfig config = new ConfigLoader(Map.of()).parse("""
        server: {host: 127.0.0.1, port: 0}
        storage: {database: "sqlite:%s/barge.db", blobs: "%s/blobs"}
        backends: [{name: sim, type: simulator, models: [m]}]
        batch: {max_file_bytes: %d}
        """.formatted(data, data, LIMIT), "test");
    engine = Engine.start(config, Clock.systemUTC());
    server = ApiServer.start(engine, config);
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterAll
  static void stop() {
    server.close();
    engine.close();
  }

  @BeforeEach
  void noFilesYet() throws Exception {
    for (JsonNode f : get("/v1/files").get("data")) send("DELETE", "/v1/files/" + f.get("id").asText(), null, null);
  }

  private static byte[] field(String name, String value) {
    return ("--" + B + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] file(String filename, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
        + "\"\r\nContent-Type: application/jsonl\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(content);
    out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private static byte[] body(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) out.writeBytes(p);
    out.writeBytes(("--" + B + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private static HttpResponse<String> send(String method, String path, String contentType, HttpRequest.BodyPublisher body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : body);
    if (contentType != null) b.header("Content-Type", contentType);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> upload(byte[] body, boolean chunked) throws Exception {
    HttpRequest.BodyPublisher publisher = chunked
        ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)) // no Content-Length
        : HttpRequest.BodyPublishers.ofByteArray(body);
    return send("POST", "/v1/files", "multipart/form-data; boundary=" + B, publisher);
  }

  private static JsonNode get(String path) throws Exception {
    return JSON.readTree(send("GET", path, null, null).body());
  }

  private static JsonNode error(HttpResponse<String> r) throws IOException {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    return JSON.readTree(r.body()).get("error");
  }

  /** Blob files: committed ones, and those still being written under tmp/ (in a directory per node). */
  private static long blobs(String sub) throws IOException {
    Path d = dir.resolve("data/blobs").resolve(sub);
    try (Stream<Path> s = sub.isEmpty() ? Files.list(d) : Files.walk(d)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  private static void assertNothingStored() throws Exception {
    assertThat(get("/v1/files").get("data")).isEmpty();
    assertThat(blobs("")).isZero();
    assertThat(blobs("tmp")).isZero();
  }

  @Test
  void fieldsAfterTheFileCountAndTheBytesComeBackUnchanged() throws Exception {
    byte[] content = ("{\"custom_id\":\"a\"}\r\n--" + B.substring(0, 10) + "\r\n{\"é\":\"\\r\\n\"}\n")
        .getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> r = upload(body(file("in.jsonl", content), field("purpose", "batch"),
        field("expires_after[anchor]", "created_at"), field("expires_after[seconds]", "7200")), true);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode f = JSON.readTree(r.body());
    assertThat(f.get("bytes").asLong()).isEqualTo(content.length);
    assertThat(f.get("filename").asText()).isEqualTo("in.jsonl");
    assertThat(f.get("expires_at").asLong() - f.get("created_at").asLong()).isEqualTo(7200);
    HttpResponse<byte[]> download = HTTP.send(HttpRequest.newBuilder(
        URI.create(base + "/v1/files/" + f.get("id").asText() + "/content")).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(download.body()).isEqualTo(content);
  }

  @Test
  void onlyTheFirstFilePartIsKept() throws Exception {
    HttpResponse<String> r = upload(body(field("purpose", "batch"), file("one.jsonl", "{}\n".getBytes()),
        file("two.jsonl", "{}\n{}\n".getBytes()), field("purpose", "ignored")), false);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).get("filename").asText()).isEqualTo("one.jsonl");
    assertThat(JSON.readTree(r.body()).get("bytes").asInt()).isEqualTo(3);
  }

  @Test
  void fileOverTheLimitIsRefusedWhileStreamingAndLeavesNothing() throws Exception {
    byte[] big = new byte[LIMIT + 20_000];
    java.util.Arrays.fill(big, (byte) 'x');
    for (boolean chunked : new boolean[] {true, false}) {
      JsonNode e = error(upload(body(field("purpose", "batch"), file("big.jsonl", big)), chunked));
      assertThat(e.get("param").asText()).isEqualTo("file");
      assertThat(e.get("message").asText()).contains("limit of " + LIMIT + " bytes");
    }
    byte[] exactly = new byte[LIMIT];
    java.util.Arrays.fill(exactly, (byte) 'y');
    assertThat(upload(body(field("purpose", "batch"), file("edge.jsonl", exactly)), true).statusCode()).isEqualTo(200);
    for (JsonNode f : get("/v1/files").get("data")) send("DELETE", "/v1/files/" + f.get("id").asText(), null, null);
    assertNothingStored();
  }

  @Test
  void badFieldsFoundAfterTheFileDiscardItsBytes() throws Exception {
    byte[] content = "{}\n".getBytes();
    assertThat(error(upload(body(file("a.jsonl", content), field("purpose", "fine-tune")), true))
        .get("param").asText()).isEqualTo("purpose");
    assertThat(error(upload(body(file("a.jsonl", content)), true)).get("code").asText())
        .isEqualTo("missing_required_parameter");
    assertThat(error(upload(body(file("a.csv", content), field("purpose", "batch")), true))
        .get("message").asText()).contains("Must be .jsonl");
    assertThat(error(upload(body(file("a.jsonl", content), field("purpose", "batch"),
        field("expires_after[anchor]", "created_at")), true)).get("param").asText()).isEqualTo("expires_after[seconds]");
    assertThat(error(upload(body(field("purpose", "batch")), true)).get("param").asText()).isEqualTo("file");
    assertNothingStored();
  }

  @Test
  void malformedBodiesAre400OnFile() throws Exception {
    byte[] cut = java.util.Arrays.copyOf(body(field("purpose", "batch"), file("a.jsonl", "{}\n".getBytes())), 150);
    for (byte[] b : List.of(cut, "no boundary here".getBytes(), new byte[0])) {
      JsonNode e = error(upload(b, true));
      assertThat(e.get("param").asText()).isEqualTo("file");
      assertThat(e.get("message").asText()).startsWith("The multipart/form-data body could not be read");
    }
    JsonNode noBoundary = error(send("POST", "/v1/files", "multipart/form-data",
        HttpRequest.BodyPublishers.ofByteArray(body(field("purpose", "batch")))));
    assertThat(noBoundary.get("param").asText()).isEqualTo("file");
    assertNothingStored();
  }

  @Test
  void uploadCutOffMidStreamLeavesNoFile() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=" + B
          + "\r\nContent-Length: 90000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(field("purpose", "batch"));
      byte[] start = file("cut.jsonl", "{\"a\":1}\n".repeat(5000).getBytes());
      out.write(start, 0, 30_000);
      out.flush();
      // The bytes already sent are being written to the blob store, still invisible...
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> blobs("tmp") == 1);
      assertThat(get("/v1/files").get("data")).isEmpty();
    } // ...and the connection drops before the body ends.
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> blobs("tmp") == 0);
    assertNothingStored();
  }
}
