package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.api.ApiServer;
import dev.barge.config.BargeConfig;
import dev.barge.config.ConfigLoader;
import dev.barge.store.Database;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * What a hostile or careless caller can send through raw HTTP, where the SDKs would not: oversized bodies,
 * absurd numbers, huge or NUL-laden values. Each is refused with a 4xx naming what is wrong, and none
 * leaves the server worse off.
 */
class ApiHardeningTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final int MAX_REQUEST_BYTES = 64 * 1024;

  @RegisterExtension static final BargeExtension e2e = new BargeExtension();
  private static TestBarge barge;

  @BeforeAll
  static void start() {
    BargeConfig config = new ConfigLoader(Map.of()).parse("server: { max_request_bytes: " + MAX_REQUEST_BYTES + " }\n"
        + "backends: [ { name: sim, type: simulator, models: [" + MODEL + "] } ]\n", "test");
    barge = e2e.start(config);
  }

  private static HttpResponse<String> post(String path, HttpRequest.BodyPublisher body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(barge.baseUrl + path)).header("Content-Type", "application/json")
        .POST(body).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A body of {@code bytes} bytes sent chunked: no Content-Length announces its size. */
  private static HttpRequest.BodyPublisher chunked(byte[] bytes) {
    return HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes));
  }

  /** A JSON object of about {@code bytes} bytes: a prompt of that length. */
  private static byte[] jsonOf(int bytes) {
    return ("{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(bytes)
        + "\"}],\"input_file_id\":\"file-x\"}").getBytes(StandardCharsets.UTF_8);
  }

  private static JsonNode tooLarge(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
    JsonNode error = JSON.readTree(r.body()).get("error");
    // The OpenAI envelope names it in code, the Anthropic one (on /v1/messages) in type.
    assertThat(error.has("code") ? error.get("code").asText() : error.get("type").asText()).isEqualTo("request_too_large");
    return error;
  }

  @Test
  void controlBodiesOverOneMegabyteAre413WhetherAnnouncedOrChunked() throws Exception {
    byte[] big = jsonOf(2 * 1024 * 1024);
    for (String path : new String[] {"/batches", "/batches/batch_x/budget"}) {
      assertThat(tooLarge(post(path, chunked(big))).get("message").asText()).as(path).contains("1 MB");
      tooLarge(post(path, HttpRequest.BodyPublishers.ofByteArray(big)));
    }
  }

  @Test
  void synchronousBodiesOverServerMaxRequestBytesAre413() throws Exception {
    byte[] big = jsonOf(MAX_REQUEST_BYTES + 1);
    for (String path : new String[] {"/chat/completions", "/embeddings", "/messages"}) {
      assertThat(tooLarge(post(path, chunked(big))).get("message").asText()).as(path)
          .contains("server.max_request_bytes");
    }
    byte[] fits = jsonOf(MAX_REQUEST_BYTES / 2);
    assertThat(post("/chat/completions", chunked(fits)).statusCode()).isEqualTo(200);
  }

  @Test
  void aBodyAnnouncingMoreThanFourGigabytesIsRefusedBeforeItIsRead() throws Exception {
    // Content-Length beyond an int: an int-sized check sees -1 ("unknown") and reads on.
    for (String path : new String[] {"/v1/messages/batches", "/v1/batches"}) {
      try (Socket socket = new Socket("127.0.0.1", barge.server.port())) {
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: 5000000000\r\n\r\n{\"requests\":[").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
        assertThat(status).as(path).isEqualTo("HTTP/1.1 413");
      }
    }
  }

  private static JsonNode badRequest(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    return JSON.readTree(r.body()).get("error");
  }

  private static HttpResponse<String> createBatch(String extraFields) throws Exception {
    return post("/batches", HttpRequest.BodyPublishers.ofString("{\"input_file_id\":\"file-x\","
        + "\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"," + extraFields + "}"));
  }

  @Test
  void decimalsWithAbsurdExponentsOrTooManyDecimalsAreRefusedBeforeAnyArithmetic() throws Exception {
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("\"max_cost_usd\": \"1e-16000000\"", "max_cost_usd");
    cases.put("\"max_cost_usd\": 1e-999999999", "max_cost_usd");
    cases.put("\"max_cost_usd\": \"0.0000000000001\"", "max_cost_usd"); // 13 decimals: below a picodollar
    cases.put("\"max_cost_usd\": 1e999999999", "max_cost_usd");
    cases.put("\"canary\": {\"max_failure_rate\": 1e-10000000}", "canary");
    cases.put("\"canary\": {\"max_failure_rate\": 0.1234567}", "canary");
    cases.forEach((field, param) -> {
      try {
        JsonNode error = badRequest(createBatch(field));
        assertThat(error.get("param").asText()).as(field).isEqualTo(param);
        assertThat(error.get("message").asText()).as(field).contains("decimals");
      } catch (Exception e) {
        throw new AssertionError(field, e);
      }
    });
    JsonNode budget = badRequest(post("/batches/batch_x/budget",
        HttpRequest.BodyPublishers.ofString("{\"max_cost_usd\": \"1e-999999999\"}")));
    assertThat(budget.get("param").asText()).isEqualTo("max_cost_usd");
  }

  @Test
  void wholeNumbersBeyondALongAreRefusedNotWrapped() throws Exception {
    String twoTo64 = "18446744073709551616";
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("\"priority\": " + twoTo64.replaceAll("6$", "7"), "priority"); // 2^64 + 1 wraps to 1
    cases.put("\"priority\": 1e999999999", "priority");
    cases.put("\"priority\": 2.5", "priority");
    cases.put("\"canary\": {\"size\": 18446744073709551636}", "canary"); // 2^64 + 20 wraps to 20
    cases.put("\"output_expires_after\": {\"anchor\": \"created_at\", \"seconds\": 18446744073709555216}",
        "output_expires_after"); // 2^64 + 3600 wraps to 3600
    for (var c : cases.entrySet()) {
      assertThat(badRequest(createBatch(c.getKey())).get("param").asText()).as(c.getKey()).isEqualTo(c.getValue());
    }
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(barge.baseUrl + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aHugeValueInAnInputLineIsQuotedCutShortAndTheBatchStaysReadable() throws Exception {
    // 10.5 million quote characters: quoted whole (each escaped), the message would pass the 20 million
    // characters Jackson reads back in a string, and every read of the batch failed.
    String method = "\\\"".repeat(10_500_000);
    OpenAIClient client = barge.client();
    String fileId = TestBarge.upload(client, e2e.dir(), "huge-method.jsonl", List.of("{\"custom_id\":\"a\",\"method\":\""
        + method + "\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"" + MODEL + "\"}}"));
    Batch batch = TestBarge.awaitEnd(client, TestBarge.create(client, fileId,
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h").id(), Duration.ofSeconds(60));
    assertThat(batch.status()).isEqualTo(Batch.Status.FAILED);
    String message = batch.errors().orElseThrow().data().orElseThrow().getFirst().message().orElseThrow();
    assertThat(message).startsWith("'method' must be \"POST\", not \"\\\"\\\"").endsWith("\\\"…\".").hasSizeLessThan(500);

    assertThat(get("/batches").body()).contains(batch.id());
    JsonNode dryRun = JSON.readTree(post("/batches", HttpRequest.BodyPublishers.ofString("{\"input_file_id\":\""
        + fileId + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\",\"dry_run\":true}")).body());
    assertThat(dryRun.at("/errors/data/0/message").asText()).isEqualTo(message);
  }

  @Test
  void aBatchWhoseStoredJsonCannotBeReadIsStillShownAndListed() throws Exception {
    OpenAIClient client = barge.client();
    String fileId = TestBarge.upload(client, e2e.dir(), "not-json.jsonl", List.of("{not json"));
    String id = TestBarge.awaitEnd(client, TestBarge.create(client, fileId, BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS,
        "24h").id(), Duration.ofSeconds(30)).id();
    e2e.close(barge); // one process per SQLite database: the stored JSON is spoilt while Barge is stopped
    try (Database db = Database.open(TestStorage.under(e2e.dataDir()))) {
      db.write(c -> {
        try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET errors = ?, metadata = ? WHERE id = ?")) {
          ps.setString(1, "{\"object\":\"list\",\"data\":[{\"message\":\"cut off");
          ps.setString(2, "{not json");
          ps.setString(3, id);
          return ps.executeUpdate();
        }
      });
    }
    start();
    HttpResponse<String> one = get("/batches/" + id);
    assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
    JsonNode shown = JSON.readTree(one.body());
    assertThat(shown.at("/errors/data/0/code").asText()).isEqualTo("errors_unreadable");
    assertThat(shown.get("metadata").isNull()).isTrue();
    HttpResponse<String> list = get("/batches?limit=100");
    assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
    assertThat(list.body()).contains(id);
  }

  /** A raw HTTP/1.1 request (the JDK client will not send a Host of our choosing); the status code. */
  private static int rawStatus(int port, String method, String path, String headers) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write((method + " " + path + " HTTP/1.1\r\n" + headers + "Content-Length: 0\r\n"
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String status = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      return Integer.parseInt(status.substring(9));
    }
  }

  @Test
  void withoutKeysOnlyRequestsAddressedToALoopbackNameAreAnswered() throws Exception {
    int port = barge.server.port();
    for (String host : new String[] {"localhost:" + port, "127.0.0.1", "[::1]:" + port, "app.localhost:" + port,
        "LOCALHOST"}) {
      assertThat(rawStatus(port, "GET", "/v1/batches", "Host: " + host + "\r\n")).as(host).isEqualTo(200);
    }
    // DNS rebinding: a page of evil.example whose name now points at 127.0.0.1
    for (String path : new String[] {"/v1/batches", "/", "/metrics"}) {
      assertThat(rawStatus(port, "GET", path, "Host: evil.example:" + port + "\r\n")).as(path).isEqualTo(403);
    }
    assertThat(rawStatus(port, "GET", "/v1/batches", "Host: localhost.evil.example\r\n")).isEqualTo(403);
  }

  @Test
  void withoutKeysTheHostOfTheConfiguredPublicBaseUrlIsAnsweredToo() throws Exception {
    BargeConfig proxied = new ConfigLoader(Map.of()).parse("server: { public_base_url: \"https://barge.example\" }\n",
        "test");
    try (TestBarge server = TestBarge.start(proxied, e2e.dir().resolve("proxied"))) {
      int port = server.server.port();
      assertThat(rawStatus(port, "GET", "/v1/batches", "Host: barge.example\r\nOrigin: https://barge.example\r\n"))
          .isEqualTo(200);
      assertThat(rawStatus(port, "GET", "/v1/batches", "Host: other.example\r\n")).isEqualTo(403);
    }
  }

  private static HttpResponse<String> postFrom(String contentType, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(barge.baseUrl + "/batches"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"input_file_id\":\"file-x\",\"endpoint\":\"/v1/chat/completions\","
            + "\"completion_window\":\"24h\"}"));
    if (contentType != null) b.header("Content-Type", contentType);
    if (headers.length > 0) b.headers(headers);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void jsonBodiesThatDoNotSayTheyAreJsonAre415() throws Exception {
    // What a web page may send anywhere without asking: text/plain, or a form.
    for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", null}) {
      HttpResponse<String> r = postFrom(type);
      assertThat(r.statusCode()).as(type).isEqualTo(415);
      assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("application/json");
    }
  }

  @Test
  void withoutKeysAWebPageOfAnotherSiteCannotUseTheApi() throws Exception {
    for (String origin : new String[] {"https://evil.example", "null", "http://127.0.0.1.evil.example"}) {
      HttpResponse<String> r = postFrom("application/json", "Origin", origin);
      assertThat(r.statusCode()).as(origin).isEqualTo(403);
      assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("cross_site_request");
    }
    assertThat(postFrom("application/json", "Sec-Fetch-Site", "cross-site").statusCode()).isEqualTo(403);
    assertThat(get("/batches").statusCode()).isEqualTo(200);
    // The dashboard's own calls come from a loopback origin: they get through to the route (400: no such file).
    assertThat(postFrom("application/json; charset=utf-8", "Origin", "http://127.0.0.1:" + barge.server.port(),
        "Sec-Fetch-Site", "same-origin").statusCode()).isEqualTo(400);
  }

  @Test
  void withKeysAnyHostIsAnsweredButJsonBodiesMustStillSayTheyAreJson() throws Exception {
    BargeConfig keyed = new ConfigLoader(Map.of()).parse("auth: { api_keys: [k1] }\n", "test");
    try (TestBarge server = TestBarge.start(keyed, e2e.dir().resolve("keyed"))) {
      int port = server.server.port();
      assertThat(rawStatus(port, "GET", "/v1/batches", "Host: barge.internal\r\nAuthorization: Bearer k1\r\n"))
          .isEqualTo(200);
      HttpResponse<String> plain = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl + "/batches"))
          .header("Authorization", "Bearer k1").header("Content-Type", "text/plain")
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(plain.statusCode()).isEqualTo(415);
    }
  }

  @Test
  void apiAnswersAreNeitherSniffedNorCached() throws Exception {
    for (HttpResponse<String> r : List.of(get("/batches"), get("/batches/batch_unknown"))) {
      assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
      assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
    }
  }

  private static HttpResponse<String> upload(String filename) throws Exception {
    String body = "--XyZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
        + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename + "\"\r\n"
        + "Content-Type: application/jsonl\r\n\r\n" + Lines.chatLine("a", MODEL, "hi") + "\n\r\n--XyZ--\r\n";
    return HTTP.send(HttpRequest.newBuilder(URI.create(barge.baseUrl + "/files"))
        .header("Content-Type", "multipart/form-data; boundary=XyZ").POST(HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aNulCharacterIsRefusedNamingWhereItIs() throws Exception {
    // PostgreSQL stores no NUL in text: each of these was a server error there.
    assertThat(badRequest(upload("in\u0000.jsonl")).get("param").asText()).isEqualTo("file");
    assertThat(upload("in.jsonl").statusCode()).isEqualTo(200);
    assertThat(badRequest(post("/batches", HttpRequest.BodyPublishers.ofString("{\"input_file_id\":\"file-\\u0000\","
        + "\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}"))).get("param").asText())
        .isEqualTo("input_file_id");
    for (String path : new String[] {"/files?purpose=%00", "/batches?after=x%00", "/messages/batches?after_id=%00"}) {
      assertThat(badRequest(get(path)).get("message").asText()).as(path).contains("NUL");
    }
    assertThat(get("/batches/batch_%00").statusCode()).isEqualTo(400); // Jetty's own answer: an ambiguous path

    OpenAIClient client = barge.client();
    String fileId = TestBarge.upload(client, e2e.dir(), "nul-id.jsonl",
        List.of(Lines.chatLine("a\u0000b", MODEL, "hi")));
    Batch batch = TestBarge.awaitEnd(client, TestBarge.create(client, fileId,
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h").id(), Duration.ofSeconds(30));
    assertThat(batch.status()).isEqualTo(Batch.Status.FAILED);
    var error = batch.errors().orElseThrow().data().orElseThrow().getFirst();
    assertThat(error.param()).contains("custom_id");
    assertThat(error.message().orElseThrow()).contains("NUL");
  }

  @Test
  void theInputFilesOfMessageBatchesAreHiddenFromFileListsFilteredByTheirPurpose() throws Exception {
    HttpResponse<String> created = post("/messages/batches", HttpRequest.BodyPublishers.ofString("{\"requests\":[{"
        + "\"custom_id\":\"a\",\"params\":{\"model\":\"" + MODEL + "\",\"max_tokens\":8,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}]}"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    for (String path : new String[] {"/files?purpose=message_batch", "/files"}) {
      JsonNode files = JSON.readTree(get(path).body()).get("data");
      files.forEach(f -> assertThat(f.get("purpose").asText()).as(path).isNotEqualTo("message_batch"));
    }
    assertThat(JSON.readTree(get("/files?purpose=message_batch").body()).get("data")).isEmpty();
  }

  @Test
  void aClientThatHangsUpMidBodyIsLoggedInOneLineAndNotAsAServerError() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    Logger api = (Logger) LoggerFactory.getLogger(ApiServer.class);
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    root.addAppender(events);
    Level level = api.getLevel();
    api.setLevel(Level.INFO);
    try {
      String[][] cases = {
          {"/v1/batches", "application/json", "{\"input_file_id\": "},
          {"/v1/chat/completions", "application/json", "{\"model\": "},
          {"/v1/messages/batches", "application/json", "{\"requests\": ["},
          {"/v1/files", "multipart/form-data; boundary=XyZ",
              "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n\r\n{}\n"}};
      for (String[] c : cases) {
        try (Socket socket = new Socket("127.0.0.1", barge.server.port())) {
          socket.setSoTimeout(10_000);
          socket.getOutputStream().write(("POST " + c[0] + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + c[1]
              + "\r\nContent-Length: 50000\r\n\r\n" + c[2]).getBytes(StandardCharsets.UTF_8));
          socket.shutdownOutput(); // gone before the rest of the body
          String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          assertThat(answer).as(c[0]).startsWith("HTTP/1.1 400");
        }
      }
    } finally {
      root.detachAppender(events);
      api.setLevel(level);
    }
    assertThat(events.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN)) // nothing from the HTTP layer
        .filteredOn(e -> e.getLoggerName().startsWith("dev.barge.api") || e.getLoggerName().startsWith("io.javalin")
            || e.getLoggerName().startsWith("org.eclipse.jetty")).isEmpty();
    assertThat(events.list).filteredOn(e -> e.getLoggerName().equals(ApiServer.class.getName()))
        .hasSize(4).allSatisfy(e -> {
          assertThat(e.getFormattedMessage()).contains("the client stopped sending its body");
          assertThat(e.getThrowableProxy()).isNull(); // one line, no stack trace
        });
  }
}
