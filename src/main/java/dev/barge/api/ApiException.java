package dev.barge.api;

/** An answer other than success, as the OpenAI error envelope: {@code {"error":{message,type,param,code}}}. */
final class ApiException extends RuntimeException {
  private final int status;
  private final String type;
  private final String param;
  private final String code;

  ApiException(int status, String type, String param, String code, String message) {
    super(message);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
  }

  static ApiException badRequest(String param, String message) {
    return new ApiException(400, "invalid_request_error", param, null, message);
  }

  static ApiException missing(String param) {
    return new ApiException(400, "invalid_request_error", param, "missing_required_parameter",
        "Missing required parameter: '" + param + "'.");
  }

  int status() {
    return status;
  }

  String type() {
    return type;
  }

  String param() {
    return param;
  }

  String code() {
    return code;
  }
}
