package dev.barge.batch;

/** No such object for this caller: unknown, expired, deleted, or another project's. */
public final class NotFoundException extends RuntimeException {
  private final String param;

  public NotFoundException(String param, String message) {
    super(message);
    this.param = param;
  }

  public String param() {
    return param;
  }
}
