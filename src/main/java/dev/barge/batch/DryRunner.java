package dev.barge.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.blob.BlobStore;
import dev.barge.config.LimitsConfig;
import dev.barge.config.TimeWindow;
import dev.barge.cost.PriceTable;
import dev.barge.config.Billing;
import dev.barge.config.ProviderBatchConfig;
import dev.barge.cost.Tier;
import dev.barge.upstream.Backend;
import dev.barge.cost.TokenCounter;
import dev.barge.cost.TokenEstimate;
import dev.barge.store.FileRecord;
import dev.barge.store.RequestQueries;
import dev.barge.upstream.Backend;
import dev.barge.upstream.Backends;
import dev.barge.upstream.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Works out a {@link DryRun}: one pass over the input file with the validator's own rules, counting each
 * line's tokens, then prices and a finishing time from the configured limits. Nothing is stored.
 */
public final class DryRunner {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How far past the deadline an estimate still looks; later is "not before it expires". */
  private static final Duration HORIZON = Duration.ofDays(2);

  private final InputValidator validator;
  private final BlobStore blobs;
  private final Backends backends;
  private final PriceTable prices;
  private final RequestQueries requests;
  private final Clock clock;

  public DryRunner(InputValidator validator, BlobStore blobs, Backends backends, PriceTable prices,
      RequestQueries requests, Clock clock) {
    this.validator = validator;
    this.blobs = blobs;
    this.backends = backends;
    this.prices = prices;
    this.requests = requests;
    this.clock = clock;
  }

  DryRun run(String project, FileRecord input, Endpoint endpoint, long expiresAt, List<TimeWindow> windows,
      boolean hasBudget) throws IOException {
    LineChecker checker = validator.checker(endpoint.path());
    long[] tokens = new long[3]; // prompt, output, enqueued
    TokenCounter[] counter = new TokenCounter[1]; // made at the first valid line, once the model is known
    InputValidator.Scan scan;
    try (InputStream in = blobs.open(input.blobKey())) {
      scan = validator.scan(in, checker, line -> {
        if (counter[0] == null) counter[0] = new TokenCounter(defaultOutputTokens(checker.model()));
        TokenEstimate estimate = counter[0].estimate(body(line), endpoint.generatesText());
        tokens[0] += estimate.prompt();
        tokens[1] += estimate.output();
        tokens[2] += Math.ceilDiv(checker.bodyBytes(), 4);
      });
    }
    String model = checker.model();
    List<LineError> errors = new ArrayList<>(scan.errors());
    if (errors.isEmpty()) {
      LineError unpriced = validator.unpricedBudget(hasBudget, model);
      if (unpriced != null) errors.add(unpriced);
      LineError overQuota = validator.quotaErrorNow(project, model, tokens[2]);
      if (overQuota != null) errors.add(overQuota);
    }
    boolean priced = model != null && prices.prices(model);
    Long batchCost = priced ? expectedCost(model, tokens[0], tokens[1], expiresAt) : null;
    Long realTimeCost = priced ? prices.cost(model, tokens[0], 0, tokens[1], Tier.STANDARD) : null;
    Instant completionAt = errors.isEmpty() ? completionAt(model, scan.requests(), tokens[0] + tokens[1], expiresAt,
        windows) : null;
    Boolean fits = completionAt == null ? null : completionAt.toEpochMilli() < expiresAt;
    return new DryRun(model, scan.requests(), errors, tokens[0], tokens[1], tokens[2], batchCost, realTimeCost,
        completionAt, fits);
  }

  /**
   * The cost on the path the lines are expected to take: provider jobs at the provider's discount when a
   * backend runs them and the window leaves time before the spill; else real-time calls, at the list price
   * when every backend serving the model is a hosted API ({@code billing: list}), at the batch discount
   * when own capacity ({@code chargeback}) shares the work.
   */
  private long expectedCost(String model, long inputTokens, long outputTokens, long expiresAt) {
    List<Backend> serving = backends.serving(model);
    for (Backend b : serving) {
      ProviderBatchConfig jobs = b.config().providerBatch();
      if (jobs != null && expiresAt - clock.millis() > jobs.spillLead().toMillis()) {
        return prices.cost(model, inputTokens, 0, outputTokens, jobs.discount());
      }
    }
    boolean allList = !serving.isEmpty() && serving.stream().allMatch(b -> b.config().billing() == Billing.LIST);
    return prices.cost(model, inputTokens, 0, outputTokens, allList ? Tier.STANDARD : Tier.BATCH);
  }

  private static JsonNode body(JsonlLines.Line line) {
    try {
      return JSON.readTree(line.bytes(), 0, line.length()).get("body");
    } catch (IOException e) {
      throw new IllegalStateException("a line the checker accepted is JSON", e);
    }
  }

  private long defaultOutputTokens(String model) {
    return backends.serving(model).stream().findFirst().map(b -> b.config().limits().defaultOutputTokens())
        .orElse(LimitsConfig.DEFAULT_OUTPUT_TOKENS);
  }

  /**
   * At the requests and tokens per minute the backends serving the model are configured to, with the
   * work already queued for the model done first (the worst case: fair share would mix them), inside the
   * batch's windows. Null when no backend has a configured rate.
   */
  private Instant completionAt(String model, int lines, long tokens, long expiresAt, List<TimeWindow> windows) {
    double perMinute = 0;
    for (Backend backend : backends.serving(model)) {
      LimitsConfig limits = backend.config().limits();
      double byRequests = limits.requestsPerMinute() == null ? Double.POSITIVE_INFINITY : limits.requestsPerMinute();
      double byTokens = limits.tokensPerMinute() == null || tokens == 0 ? Double.POSITIVE_INFINITY
          : (double) limits.tokensPerMinute() * lines / tokens;
      double rate = Math.min(byRequests, byTokens);
      if (Double.isInfinite(rate)) return null; // one unlimited backend: no pace to go on
      perMinute += rate;
    }
    if (perMinute == 0) return null;
    long work = lines + requests.unfinishedOfModel(model);
    long millis = (long) Math.ceil(work / perMinute * 60_000);
    Instant now = clock.instant();
    return TimeWindow.afterOpenTime(windows, now, millis, Instant.ofEpochMilli(expiresAt).plus(HORIZON));
  }
}
