package dev.barge.upstream.simulator;

/**
 * A request the simulator refuses the way OpenAI would: a 4xx answer with the error envelope. It is an answer,
 * not a fault, so it carries no stack trace.
 */
final class RequestRejected extends RuntimeException {
  private final int status;
  private final String param;
  private final String code;

  private RequestRejected(int status, String message, String param, String code) {
    super(message, null, false, false);
    this.status = status;
    this.param = param;
    this.code = code;
  }

  static RequestRejected badRequest(String message, String param, String code) {
    return new RequestRejected(400, message, param, code);
  }

  static RequestRejected missing(String param) {
    return badRequest("Missing required parameter: '" + param + "'.", param, "missing_required_parameter");
  }

  static RequestRejected modelNotFound(String model) {
    return new RequestRejected(404,
        "The model `" + model + "` does not exist or you do not have access to it. (Barge simulator)",
        null, "model_not_found");
  }

  int status() {
    return status;
  }

  String param() {
    return param;
  }

  String code() {
    return code;
  }
}
