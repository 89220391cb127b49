package dev.barge.batch;

/** The caller asked for something wrong; {@code param} names the field at fault (may be null). */
public final class InvalidRequestException extends RuntimeException {
  private final String param;
  private final String code;

  public InvalidRequestException(String param, String code, String message) {
    super(message);
    this.param = param;
    this.code = code;
  }

  public InvalidRequestException(String param, String message) {
    this(param, null, message);
  }

  public String param() {
    return param;
  }

  public String code() {
    return code;
  }
}
