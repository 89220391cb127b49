package dev.barge.batch.model;

import dev.barge.config.TimeWindow;
import dev.barge.cost.Spend;
import dev.barge.cost.Usage;
import java.util.List;
import java.util.Map;

/**
 * A stored batch. Times are Unix milliseconds; {@code statusTimes} maps each status entered so far to
 * when it was entered. {@code errors} and {@code metadata} are JSON text. {@code enqueuedTokens} is the
 * estimate of its prompt tokens held against its project's quota while it runs. {@code cache} says whether
 * its lines may be answered from the response cache, {@code cachedRequests} how many were.
 */
public record BatchRecord(
    String id,
    String project,
    String endpoint,
    String model,
    String inputFileId,
    String completionWindow,
    BatchStatus status,
    long createdAt,
    long expiresAt,
    Map<BatchStatus, Long> statusTimes,
    int total,
    int completed,
    int failed,
    String outputFileId,
    String errorFileId,
    String errors,
    String metadata,
    Long outputExpiresAfterSeconds,
    Usage usage,
    int priority,
    List<TimeWindow> windows,
    Spend spend,
    Canary canary,
    long enqueuedTokens,
    BatchApi api,
    Archive archive,
    CacheMode cache,
    int cachedRequests) {
  public BatchRecord {
    statusTimes = Map.copyOf(statusTimes);
    windows = windows == null ? List.of() : List.copyOf(windows);
    if (spend == null) spend = Spend.budget(null);
    if (canary == null) canary = Canary.DEFAULT;
    if (api == null) api = BatchApi.OPENAI;
    if (archive == null) archive = Archive.NONE;
    if (cache == null) cache = CacheMode.OFF;
  }

  /**
   * When the batch's per-request results were archived (deleted after the retention), and how many
   * requests had ended in each state then; {@code at} is null while they are kept.
   */
  public record Archive(Long at, Map<RequestState, Integer> counts) {
    public static final Archive NONE = new Archive(null, Map.of());

    public Archive {
      counts = Map.copyOf(counts);
    }

    public boolean archived() {
      return at != null;
    }
  }

  public Long enteredAt(BatchStatus s) {
    return statusTimes.get(s);
  }

  /** Every request has an outcome. */
  public boolean allSettled() {
    return completed + failed >= total;
  }
}
