package dev.barge.batch;

import dev.barge.batch.model.CacheMode;
import dev.barge.batch.model.Canary;
import dev.barge.config.TimeWindow;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * A request to create a batch, already shaped by the API layer.
 *
 * @param metadata up to 16 string pairs, or null
 * @param outputExpiresAfterSeconds lifetime of the output/error files, or null for the default
 * @param priority the batch's weight against other batches of its project on a backend (extension), or null for 1
 * @param windows the daily windows it may run in (extension), such as {@code "22:00-06:00 Europe/Berlin"}; empty for any time
 * @param maxCostUsd the batch's budget (extension), or null for none
 * @param canary its canary (extension): {@link Canary#DEFAULT}, {@link Canary#OFF} or a size and failure rate
 * @param cache whether its lines may be answered from the response cache (extension), or null for the
 *     server's default ({@code batch.cache.enabled})
 */
public record CreateBatch(String inputFileId, String endpoint, String completionWindow, Map<String, String> metadata,
    Long outputExpiresAfterSeconds, Integer priority, List<TimeWindow> windows, BigDecimal maxCostUsd,
    Canary canary, CacheMode cache) {
  public CreateBatch {
    windows = windows == null ? List.of() : List.copyOf(windows);
    if (canary == null) canary = Canary.DEFAULT;
  }
}
