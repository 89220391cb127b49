package dev.barge.upstream;

/** The provider refused a batch job, or failed it as a whole; its message says why, as the provider did. */
public final class ProviderJobException extends Exception {
  private final int status;

  public ProviderJobException(int status, String message) {
    super(message);
    this.status = status;
  }

  /** The HTTP status the provider answered with (0 when the refusal was not an HTTP answer). */
  public int status() {
    return status;
  }
}
