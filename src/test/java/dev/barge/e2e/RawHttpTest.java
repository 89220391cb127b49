package dev.barge.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.config.BargeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What callers that are not an SDK get: every answer an error envelope with a request id, never a 5xx. */
class RawHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @RegisterExtension static final BargeExtension e2e = new BargeExtension();
  private static TestBarge barge;

  @BeforeAll
  static void start() {
    barge = e2e.start(BargeConfig.embeddedDefault());
  }

  private static HttpResponse<String> send(String method, String path, String contentType, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(barge.baseUrl.replace("/v1", "") + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) b.header("Content-Type", contentType);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode error(HttpResponse<String> r) throws Exception {
    assertThat(r.headers().firstValue("x-request-id")).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
    JsonNode e = JSON.readTree(r.body()).get("error");
    assertThat(e.has("message") && e.has("type") && e.has("param") && e.has("code")).isTrue();
    return e;
  }

  @Test
  void unknownRouteIs404Envelope() throws Exception {
    HttpResponse<String> r = send("GET", "/v1/nothing-here", null, null);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(error(r).get("message").asText()).contains("/v1/nothing-here");
  }

  @Test
  void malformedOrWrongBodiesAre400() throws Exception {
    for (String body : new String[] {"{not json", "[1]", "", "{\"input_file_id\": 5, \"endpoint\": \"/v1/embeddings\"}",
        "{\"input_file_id\":\"f\",\"endpoint\":\"/v1/embeddings\",\"completion_window\":\"24h\",\"metadata\":[1]}"}) {
      HttpResponse<String> r = send("POST", "/v1/batches", "application/json", body);
      assertThat(r.statusCode()).as(body).isEqualTo(400);
      assertThat(r.headers().firstValue("x-should-retry")).contains("false");
      error(r);
    }
  }

  @Test
  void badMetadataAndOutputExpiryNameTheField() throws Exception {
    String tooLong = "{\"input_file_id\":\"f\",\"endpoint\":\"/v1/embeddings\",\"completion_window\":\"24h\","
        + "\"metadata\":{\"k\":\"" + "v".repeat(513) + "\"}}";
    assertThat(error(send("POST", "/v1/batches", "application/json", tooLong)).get("param").asText())
        .isEqualTo("metadata");
    String badExpiry = "{\"input_file_id\":\"f\",\"endpoint\":\"/v1/embeddings\",\"completion_window\":\"24h\","
        + "\"output_expires_after\":{\"anchor\":\"created_at\",\"seconds\":5}}";
    assertThat(error(send("POST", "/v1/batches", "application/json", badExpiry)).get("param").asText())
        .isEqualTo("output_expires_after");
    for (String priority : new String[] {"0", "101", "2.5", "\"high\""}) {
      String badPriority = "{\"input_file_id\":\"f\",\"endpoint\":\"/v1/embeddings\",\"completion_window\":\"24h\","
          + "\"priority\":" + priority + "}";
      JsonNode error = error(send("POST", "/v1/batches", "application/json", badPriority));
      assertThat(error.get("param").asText()).as(priority).isEqualTo("priority");
      assertThat(error.get("message").asText()).contains("1 to 100");
    }
  }

  @Test
  void uploadThatIsNotMultipartIs415AndOneThatLacksFieldsIs400() throws Exception {
    assertThat(send("POST", "/v1/files", "application/json", "{}").statusCode()).isEqualTo(415);
    HttpResponse<String> noFile = send("POST", "/v1/files", "multipart/form-data; boundary=XyZ",
        "--XyZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--XyZ--\r\n");
    assertThat(noFile.statusCode()).isEqualTo(400);
    assertThat(error(noFile).get("param").asText()).isEqualTo("file");
    HttpResponse<String> garbage = send("POST", "/v1/files", "multipart/form-data; boundary=zz", "garbage");
    assertThat(garbage.statusCode()).isEqualTo(400);
    assertThat(error(garbage).get("param").asText()).isEqualTo("file");
  }

  @Test
  void cancellingAnUnknownBatchIs404NamingIt() throws Exception {
    HttpResponse<String> r = send("POST", "/v1/batches/batch_unknown/cancel", null, null);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(error(r).get("param").asText()).isEqualTo("batch_id");
  }

  @Test
  void badListParametersAre400() throws Exception {
    assertThat(error(send("GET", "/v1/batches?limit=101", null, null)).get("param").asText()).isEqualTo("limit");
    assertThat(error(send("GET", "/v1/files?order=sideways", null, null)).get("param").asText()).isEqualTo("order");
    assertThat(error(send("GET", "/v1/files?limit=abc", null, null)).get("param").asText()).isEqualTo("limit");
  }
}
