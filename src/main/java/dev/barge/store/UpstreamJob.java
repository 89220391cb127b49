package dev.barge.store;

import java.util.Locale;

/**
 * One provider batch job as Barge records it: {@code id} is Barge's own (written into the job upstream),
 * {@code providerId} the provider's once it is known.
 */
public record UpstreamJob(String id, String backend, String endpoint, State state, String providerId,
    String providerStatus, long total, long completed, long failed, String failure, String resultRefs,
    String memo, String worker, long createdAt, long nextPollAt) {

  /** Where Barge is with a job. */
  public enum State {
    /** Recorded; being created upstream, or its creation was cut short (a crash): find it, or create it. */
    CREATING,
    /** Created upstream and polled. */
    RUNNING,
    /** None of its lines is wanted any more; asked upstream to cancel, polled until it ends. */
    CANCELLING,
    /** Ended upstream; its results are being read. */
    ENDED,
    /** Its results are recorded and its unanswered lines handed back. */
    DONE;

    public String column() {
      return name().toLowerCase(Locale.ROOT);
    }

    static State ofColumn(String column) {
      return valueOf(column.toUpperCase(Locale.ROOT));
    }
  }
}
