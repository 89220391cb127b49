package dev.barge.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.barge.cost.Usage;
import dev.barge.store.ClaimedRequest;
import dev.barge.store.RequestUpdate;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.RateLimitHeaders;
import org.junit.jupiter.api.Test;

/** What lands in the output or error file for each kind of answer a backend can give. */
class SettlementsTest {
  private static final ClaimedRequest REQUEST = new ClaimedRequest("batch_1", 7, "c-7", 0, 10, 1);

  private static RequestUpdate.Finished settle(Outcome outcome) {
    return Settlements.finalOutcome(REQUEST, "node", outcome, 1_000);
  }

  @Test
  void aSuccessKeepsTheBodyAsSentAndCountsItsUsage() {
    String body = "{\"id\":\"x\",\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":5,\"total_tokens\":16,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":3},\"completion_tokens_details\":{\"reasoning_tokens\":2}},"
        + "\"choices\":[{\"message\":{\"content\":\"usage\"}}]}";
    RequestUpdate.Finished f = settle(new Outcome.Success(200, body, "req_up"));
    assertThat(f.succeeded()).isTrue();
    assertThat(f.response()).isEqualTo(body);
    assertThat(f.requestId()).isEqualTo("req_up");
    assertThat(f.usage()).isEqualTo(new Usage(11, 3, 5, 2, 16));
  }

  @Test
  void responsesApiUsageNamesCountToo() {
    String body = "{\"usage\":{\"input_tokens\":4,\"output_tokens\":6,\"input_tokens_details\":{\"cached_tokens\":1}}}";
    assertThat(settle(new Outcome.Success(200, body, null)).usage()).isEqualTo(new Usage(4, 1, 6, 0, 10));
  }

  @Test
  void aBodyOnSeveralLinesIsPutOnOne() {
    RequestUpdate.Finished f = settle(new Outcome.Success(200, "{\n  \"id\": \"x\",\r\n  \"n\": 1\n}\n", null));
    assertThat(f.response()).doesNotContain("\n", "\r").startsWith("{").endsWith("}");
    assertThat(f.requestId()).startsWith("req_");
  }

  @Test
  void aTwoHundredThatIsNotOneJsonObjectIsGarbledAndEndsAsA502InvalidBackendResponse() {
    for (String notAnObject : new String[] {"<html>busy</html>", "[1,2]", "{\"a\":1} trailing", "{\"a\":", ""}) {
      Outcome outcome = Outcome.classify(200, notAnObject, null, null, RateLimitHeaders.NONE);
      assertThat(outcome).as(notAnObject).isInstanceOf(Outcome.Garbled.class);
      RequestUpdate.Finished f = settle(outcome);
      assertThat(f.succeeded()).as(notAnObject).isFalse();
      assertThat(f.statusCode()).isEqualTo(502);
      assertThat(f.response()).contains("\"type\":\"server_error\"", "not JSON", "\"code\":\"invalid_backend_response\"");
      assertThat(f.usage()).isEqualTo(Usage.ZERO);
    }
  }

  @Test
  void aRejectionKeepsItsStatusAndBodyAndCostsNothing() {
    String body = "{\"error\":{\"message\":\"bad model\",\"type\":\"invalid_request_error\"},"
        + "\"usage\":{\"prompt_tokens\":9}}";
    RequestUpdate.Finished f = settle(new Outcome.Rejected(400, body, null));
    assertThat(f.succeeded()).isFalse();
    assertThat(f.statusCode()).isEqualTo(400);
    assertThat(f.response()).isEqualTo(body);
    assertThat(f.usage()).isEqualTo(Usage.ZERO);
  }

  @Test
  void noAnswerAtAllIsARequestTimeout() {
    RequestUpdate.Finished f = settle(new Outcome.TransportFailure("connection failed: refused"));
    assertThat(f.errorCode()).isEqualTo("request_timeout");
    assertThat(f.errorMessage()).contains("connection failed: refused");
    assertThat(f.statusCode()).isNull();
  }
}
