package dev.barge.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.batch.model.BatchApi;
import dev.barge.batch.model.BatchRecord;
import dev.barge.batch.model.BatchStatus;
import dev.barge.batch.model.CacheMode;
import dev.barge.config.Durations;
import dev.barge.config.TimeWindow;
import dev.barge.cost.Money;
import dev.barge.cost.Spend;
import dev.barge.cost.Usage;
import dev.barge.store.BatchPages;
import dev.barge.store.BatchStore;
import dev.barge.store.CreationLog;
import dev.barge.store.FileRecord;
import dev.barge.store.FileStore;
import dev.barge.store.IdempotencyKey;
import dev.barge.store.IdempotencyStore;
import dev.barge.store.Page;
import dev.barge.store.RequestQueries;
import dev.barge.upstream.Endpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creating, reading, listing and cancelling batches. The work itself is done by the engine's loops. */
public final class BatchService {
  /** Endpoints the OpenAI API defines for batches but Barge does not serve. */
  private static final Set<String> UNSERVED_ENDPOINTS = Set.of("/v1/images/generations", "/v1/images/edits",
      "/v1/videos");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger log = LoggerFactory.getLogger(BatchService.class);
  private static final Duration HOUR = Duration.ofHours(1);
  /** A dry run takes seconds at most: soon one of the project's has answered. */
  private static final Duration DRY_RUN_RETRY = Duration.ofSeconds(1);

  private final BatchStore batches;
  private final BatchPages pages;
  private final CreationLog creations;
  private final FileStore files;
  private final Duration maxWindow;
  private final int maxCreationsPerHour;
  /** The cache mode of a batch that does not choose one ({@code batch.cache.enabled}). */
  private final CacheMode defaultCache;
  private final Predicate<String> pricedModel;
  private final DryRunner dryRunner;
  private final ProjectPermits dryRuns;
  private final BatchFeed feed;
  private final RequestQueries requests;
  private final Clock clock;
  private final Runnable onChange;

  public BatchService(BatchStore batches, BatchPages pages, CreationLog creations, FileStore files,
      Duration maxWindow, int maxCreationsPerHour, CacheMode defaultCache, Predicate<String> pricedModel, DryRunner dryRunner,
      ProjectPermits dryRuns, BatchFeed feed, RequestQueries requests, Clock clock, Runnable onChange) {
    this.batches = batches;
    this.pages = pages;
    this.creations = creations;
    this.files = files;
    this.maxWindow = maxWindow;
    this.maxCreationsPerHour = maxCreationsPerHour;
    this.defaultCache = defaultCache;
    this.pricedModel = pricedModel;
    this.dryRunner = dryRunner;
    this.dryRuns = dryRuns;
    this.feed = feed;
    this.requests = requests;
    this.clock = clock;
    this.onChange = onChange;
  }

  /**
   * Records the batch as {@code validating} and returns at once; its lines are checked in the background.
   *
   * @param key the request's idempotency key, claimed with the batch; null without one
   * @throws IdempotencyStore.KeyTaken when an earlier request took the key (nothing is created)
   */
  public BatchRecord create(String project, CreateBatch request, IdempotencyKey key) {
    return create(project, request, BatchApi.OPENAI, 0, key);
  }

  /**
   * The same for a batch that came through {@code api}: its id carries that API's prefix; {@code requests}
   * is its number of requests when known before validation (0 otherwise).
   */
  BatchRecord create(String project, CreateBatch request, BatchApi api, int requests, IdempotencyKey key) {
    Accepted ok = accept(project, request, api);
    checkCreationRate(project, ok.now());
    String id = switch (api) {
      case OPENAI -> Ids.batch();
      case ANTHROPIC -> Ids.messageBatch();
      case GEMINI -> Ids.geminiBatch();
    };
    BatchRecord batch = new BatchRecord(id, project, request.endpoint(), null, ok.input().id(),
        request.completionWindow(), BatchStatus.VALIDATING, ok.now(), ok.expiresAt(), Map.of(), requests, 0, 0, null,
        null, null, metadataJson(request.metadata()), request.outputExpiresAfterSeconds(), Usage.ZERO,
        request.priority() == null ? 1 : request.priority(), request.windows(),
        Spend.budget(request.maxCostUsd() == null ? null : Money.picos(request.maxCostUsd())), request.canary(), 0,
        api, null, request.cache() != null ? request.cache() : defaultCache, 0);
    batches.insert(batch, key);
    log.info("batch {} created: {} on {} for project {}, window {}", batch.id(), ok.input().id(), request.endpoint(),
        project, request.completionWindow());
    onChange.run();
    return batch; // as stored: validating, whatever the validator has done since
  }

  /**
   * What the batch would be, without creating it: the file is read and checked now, with token counts,
   * cost and finishing time (extension {@code dry_run}). It reads the whole file on the caller's thread, so
   * it counts against the project's creations per hour, and only a few of a project's run at once.
   */
  public DryRun dryRun(String project, CreateBatch request) {
    Accepted ok = accept(project, request, BatchApi.OPENAI);
    checkCreationRate(project, ok.now());
    try (ProjectPermits.Permit permit = dryRuns.tryAcquire(project).orElseThrow(() -> new TooManyRequestsException(
        "Project " + project + " already has " + dryRuns.limit() + " dry runs in progress"
            + " (batch.max_dry_runs_per_project); try again when one has answered.", DRY_RUN_RETRY))) {
      creations.recordDryRun(project, ok.now(), ok.now() - HOUR.toMillis());
      return dryRunner.run(project, ok.input(), Endpoint.ofPath(request.endpoint()).orElseThrow(), ok.expiresAt(),
          request.windows(), request.maxCostUsd() != null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the input file " + ok.input().id(), e);
    }
  }

  /** A create request that passed the checks done at once, with its file and deadline. */
  private record Accepted(FileRecord input, long now, long expiresAt) {}

  private Accepted accept(String project, CreateBatch request, BatchApi api) {
    // Each door serves its own API's endpoints: Messages the Anthropic door, generateContent and embedContent
    // the Gemini door, the rest the OpenAI door.
    boolean served = Endpoint.ofPath(request.endpoint()).filter(e -> doorOf(e) == api).isPresent();
    if (!served) {
      throw new InvalidRequestException("endpoint", UNSERVED_ENDPOINTS.contains(request.endpoint())
          ? "Barge does not serve the endpoint '" + request.endpoint() + "' in batches."
          : "Invalid endpoint '" + Excerpt.of(request.endpoint()) + "'; use one of /v1/responses, /v1/chat/completions,"
              + " /v1/embeddings, /v1/completions, /v1/moderations.");
    }
    Duration window = parseWindow(request.completionWindow());
    FileRecord input = files.find(project, request.inputFileId(), clock.millis())
        .orElseThrow(() -> new InvalidRequestException("file_id", "Cannot find file " + Excerpt.of(request.inputFileId())
            + ", or project " + project + " does not have access to it."));
    String purpose = api == BatchApi.OPENAI ? FileService.PURPOSE_BATCH : FileService.PURPOSE_MESSAGE_BATCH;
    if (!purpose.equals(input.purpose())) {
      throw new InvalidRequestException("input_file_id", "File " + input.id() + " has purpose '"
          + input.purpose() + "'; a batch reads a file uploaded with purpose 'batch'.");
    }
    long now = clock.millis();
    long expiresAt = now + window.toMillis();
    if (!request.windows().isEmpty()
        && TimeWindow.nextOpen(request.windows(), Instant.ofEpochMilli(now)).toEpochMilli() >= expiresAt) {
      throw new InvalidRequestException("windows", "None of the batch's windows " + request.windows()
          + " opens before its completion window of " + request.completionWindow() + " ends.");
    }
    return new Accepted(input, now, expiresAt);
  }

  private static BatchApi doorOf(Endpoint endpoint) {
    return switch (endpoint) {
      case MESSAGES -> BatchApi.ANTHROPIC;
      case GENERATE_CONTENT, EMBED_CONTENT -> BatchApi.GEMINI;
      default -> BatchApi.OPENAI;
    };
  }

  private void checkCreationRate(String project, long now) {
    long hour = HOUR.toMillis();
    List<Long> recent = creations.creationsSince(project, now - hour);
    if (recent.size() >= maxCreationsPerHour) {
      // The window frees a slot when the oldest creation in it turns an hour old.
      Duration wait = Duration.ofMillis(recent.get(recent.size() - maxCreationsPerHour) + hour - now);
      throw new TooManyRequestsException("Project " + project + " created " + recent.size()
          + " batches (dry runs included) in the last hour, the limit is " + maxCreationsPerHour + "; try again in "
          + Math.max(1, wait.toSeconds()) + "s.", wait);
    }
  }

  private Duration parseWindow(String window) {
    Duration d;
    try {
      d = Durations.parse(window);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("completion_window", "Invalid completion_window '" + Excerpt.of(window)
          + "'; use \"24h\" or, as a Barge extension, a number and a unit s, m, h or d (e.g. \"1h\", \"7d\").");
    }
    if (d.compareTo(Duration.ofSeconds(1)) < 0 || window.endsWith("ms")) {
      throw new InvalidRequestException("completion_window", "Invalid completion_window '" + window
          + "'; the smallest unit is seconds (e.g. \"30s\").");
    }
    if (d.compareTo(maxWindow) > 0) {
      throw new InvalidRequestException("completion_window", "completion_window '" + window
          + "' is longer than this server's maximum of " + maxWindow.toHours() + "h.");
    }
    return d;
  }

  /** When a running batch should be done, and whether that is before it expires. */
  public Estimate estimate(BatchRecord batch) {
    return Estimate.of(batch, clock.instant());
  }

  private static String metadataJson(Map<String, String> metadata) {
    if (metadata == null) return null;
    try {
      return JSON.writeValueAsString(metadata);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings always serializes", e);
    }
  }

  public BatchRecord get(String project, String id) {
    return get(project, BatchApi.OPENAI, id);
  }

  /** A batch of the project that came through {@code api}; another API's batch is not found here. */
  BatchRecord get(String project, BatchApi api, String id) {
    return batches.find(project, id).filter(b -> b.api() == api)
        .orElseThrow(() -> new NotFoundException("batch_id", "No batch found with id '" + Excerpt.of(id) + "'."));
  }

  /**
   * Starts watching a batch's progress: the state the feed reads for every watcher of the batch at once.
   * Over the project's limit of open streams, a {@link TooManyRequestsException}.
   */
  public BatchFeed.Watch watch(String project, String id) {
    return feed.watch(project, get(project, id));
  }

  public Page<BatchRecord> list(String project, String after, int limit) {
    return pages.list(project, BatchApi.OPENAI, after, limit);
  }

  /** The batch's failed lines grouped by error code, largest group first. */
  public List<RequestQueries.ErrorGroup> errorGroups(String project, String id) {
    BatchRecord batch = get(project, id);
    requireResults(batch);
    return requests.errorGroups(batch.id());
  }

  /** Refuses a batch whose results were archived: they are gone (the spec's 404 after {@code archived_at}). */
  public static void requireResults(BatchRecord batch) {
    if (batch.archive().archived()) {
      throw new NotFoundException(null, "The results of batch " + batch.id() + " were archived at "
          + Instant.ofEpochMilli(batch.archive().at()) + " (batch.results_retention) and are no longer available.");
    }
  }

  /** The results finished so far after line {@code afterLine}, at most {@code limit}. */
  public PartialResults partial(String project, String id, int afterLine, int limit) {
    BatchRecord batch = get(project, id);
    requireResults(batch);
    return PartialResults.read(requests, batch.id(), batch.status().terminal(), afterLine, limit);
  }

  /**
   * Sets a batch's budget (null removes it). A batch that its old budget stopped goes on if the new one
   * allows; one that has ended cannot change.
   */
  public BatchRecord setBudget(String project, String id, BigDecimal maxCostUsd) {
    BatchRecord batch = get(project, id);
    if (batch.status().terminal()) {
      throw new InvalidRequestException(null, "Cannot change the budget of a batch with status '"
          + batch.status().wireName() + "'.");
    }
    if (maxCostUsd != null && batch.model() != null && !pricedModel.test(batch.model())) {
      throw new InvalidRequestException("max_cost_usd", "The model '" + batch.model() + "' has no price in this"
          + " server's price table, so a budget cannot be counted against it.");
    }
    batches.setBudget(id, maxCostUsd == null ? null : Money.picos(maxCostUsd));
    log.info("batch {} budget set to {}", id, maxCostUsd == null ? "none" : maxCostUsd.toPlainString() + " USD");
    onChange.run();
    return get(project, id);
  }

  /** {@code validating | in_progress → cancelling}; a batch already cancelling is returned unchanged. */
  public BatchRecord cancel(String project, String id) {
    return cancel(project, BatchApi.OPENAI, id);
  }

  BatchRecord cancel(String project, BatchApi api, String id) {
    BatchRecord batch = get(project, api, id);
    if (batch.status() == BatchStatus.CANCELLING) return batch;
    boolean moved = batches.cancel(id, clock.millis());
    BatchRecord now = get(project, api, id);
    if (!moved && now.status() != BatchStatus.CANCELLING) {
      throw new InvalidRequestException(null,
          "Cannot cancel a batch with status '" + now.status().wireName() + "'.");
    }
    if (moved) log.info("batch {} cancelling", id);
    onChange.run();
    return now;
  }
}
