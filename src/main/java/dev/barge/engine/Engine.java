package dev.barge.engine;

import dev.barge.batch.BatchFeed;
import dev.barge.batch.BatchLifecycle;
import dev.barge.batch.BatchService;
import dev.barge.batch.BatchPaths;
import dev.barge.batch.BudgetExceededException;
import dev.barge.batch.DryRunner;
import dev.barge.batch.EngineMetrics;
import dev.barge.batch.FileService;
import dev.barge.batch.IdempotencyKeys;
import dev.barge.batch.InputValidator;
import dev.barge.batch.InlineBatches;
import dev.barge.batch.ProjectPermits;
import dev.barge.batch.ResultFiles;
import dev.barge.batch.ResultsArchiver;
import dev.barge.batch.SyncAdmission;
import dev.barge.batch.TooManyRequestsException;
import dev.barge.batch.model.CacheMode;
import dev.barge.blob.BlobStore;
import dev.barge.blob.LocalBlobStore;
import dev.barge.blob.S3BlobStore;
import dev.barge.config.BackendConfig;
import dev.barge.config.BargeConfig;
import dev.barge.config.BatchConfig;
import dev.barge.cost.Money;
import dev.barge.cost.PriceTable;
import dev.barge.dispatch.BackendStatus;
import dev.barge.dispatch.DispatchMetrics;
import dev.barge.dispatch.Dispatcher;
import dev.barge.dispatch.ProviderJobs;
import dev.barge.dispatch.NodeHeartbeat;
import dev.barge.dispatch.Priority;
import dev.barge.dispatch.RetryPolicy;
import dev.barge.store.BatchPages;
import dev.barge.store.BatchRetention;
import dev.barge.store.BatchStore;
import dev.barge.store.CreationLog;
import dev.barge.store.Database;
import dev.barge.store.FileStore;
import dev.barge.store.IdempotencyStore;
import dev.barge.store.NodeStore;
import dev.barge.store.RequestQueries;
import dev.barge.store.RequestQueue;
import dev.barge.store.ResponseCache;
import dev.barge.store.RequestResults;
import dev.barge.store.ResponseStore;
import dev.barge.store.ShareStore;
import dev.barge.store.SpendStore;
import dev.barge.store.BatchTiers;
import dev.barge.store.UpstreamJobStore;
import dev.barge.store.WebhookStore;
import dev.barge.responses.BackgroundResponses;
import dev.barge.responses.ResponseChanges;
import dev.barge.responses.ResponseRetention;
import dev.barge.upstream.Backends;
import dev.barge.upstream.Endpoint;
import dev.barge.upstream.Outcome;
import dev.barge.upstream.StreamListener;
import dev.barge.upstream.StreamedCall;
import dev.barge.webhook.WebhookSender;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

/**
 * One running Barge: the store, the blobs, the backends, and the loops that validate, dispatch and
 * finalize batches. The HTTP API and the CLI both drive this; neither re-implements its rules.
 */
public final class Engine implements AutoCloseable {
  private final Database database;
  private final Duration interactiveWait;
  private final Duration flexWait;
  private final NodeHeartbeat heartbeat;
  private final BlobStore blobs;
  private final Backends backends;
  private final FileService files;
  private final BatchService batches;
  private final InlineBatches messageBatches;
  private final InlineBatches geminiBatches;
  private final IdempotencyKeys idempotencyKeys;
  private final PriceTable prices;
  private final SpendStore apiSpend;
  private final Clock clock;
  private final EngineMetrics metrics;
  private final WebhookSender webhooks;
  private final Dispatcher dispatcher;
  private final SyncAdmission syncAdmission;
  private final BatchLifecycle lifecycle;
  private final ProviderJobs providerJobs;
  private final BatchPaths batchPaths;
  private final ResultsArchiver archiver;
  private final BatchFeed feed;
  private final BackgroundResponses backgroundResponses;
  private final ResponseRetention responseRetention;
  private final String nodeId = "node-" + UUID.randomUUID().toString().substring(0, 8);

  private Engine(BargeConfig config, Database database, Clock clock, UnaryOperator<BlobStore> wrapBlobs)
      throws IOException {
    BatchConfig batch = config.batch();
    this.clock = clock;
    this.database = database;
    BlobStore ownBlobs = config.storage().objectStorage() ? S3BlobStore.open(config.storage())
        : new LocalBlobStore(config.storage().blobDirectory(), nodeId);
    this.blobs = wrapBlobs.apply(ownBlobs);
    FileStore fileStore = new FileStore(database);
    BatchStore batchStore = new BatchStore(database);
    RequestQueue queue = new RequestQueue(database);
    RequestResults results = new RequestResults(database);
    RequestQueries queries = new RequestQueries(database);
    // What HTTP requests read and write goes through the API's own pool, so API load never holds up the
    // engine's claims and result writes; the engine's loops below use the engine's pool.
    Database api = database.forApi();
    FileStore apiFiles = new FileStore(api);
    BatchStore apiBatches = new BatchStore(api);
    RequestQueue apiQueue = new RequestQueue(api);
    RequestQueries apiQueries = new RequestQueries(api);
    this.backends = BackendFactory.fromConfig(config.backends(), clock);
    // SQLite has one node: leases left by an earlier process belong to nobody now.
    ResponseStore responseStore = new ResponseStore(database);
    if (database.singleNode()) {
      queue.releaseAllLeases();
      responseStore.releaseAllLeases();
    }
    this.interactiveWait = config.server().interactiveWaitDuration();
    this.flexWait = config.server().flexWaitDuration();
    NodeStore nodes = new NodeStore(database);
    this.heartbeat = new NodeHeartbeat(nodes, nodeId).start();
    // What nodes that stopped left half-written (a crash mid-upload) was never visible: clear it.
    ownBlobs.deleteAbandonedWrites(() -> nodes.alive(NodeHeartbeat.DEAD_AFTER).ids());

    RetryPolicy retry = new RetryPolicy(batch.maxAttempts(), batch.initialBackoffDuration(),
        batch.maxBackoffDuration(), RandomGenerator.getDefault());
    Duration lease = config.backends().stream().map(BackendConfig::requestTimeout).max(Duration::compareTo)
        .orElse(Duration.ZERO).plusMinutes(1);
    this.files = new FileService(apiFiles, apiBatches, blobs, batch.maxFileBytes(), clock);
    this.prices = PriceTable.of(config);
    SpendStore spend = new SpendStore(database);
    this.apiSpend = new SpendStore(api);
    this.metrics = new EngineMetrics(apiBatches, apiQueries, clock);
    Dispatcher.Stores engineStores = new Dispatcher.Stores(batchStore, fileStore, queue, results, queries, spend, blobs,
        responseStore, new ShareStore(database));
    Dispatcher.Settings dispatchSettings = new Dispatcher.Settings(nodeId, lease, retry, prices,
        dailyBudgets(config)::get, config.server().maxSyncShare().doubleValue());
    DispatchMetrics dispatchMetrics = new DispatchMetrics(metrics.registry());
    ResponseChanges responseChanges = new ResponseChanges();
    this.dispatcher = new Dispatcher(engineStores, backends, dispatchSettings, heartbeat::live, dispatchMetrics,
        clock, responseChanges::changed);
    dispatcher.registerGauges(metrics.registry());
    dispatcher.start();
    this.syncAdmission = new SyncAdmission(config, apiSpend, clock);
    this.backgroundResponses = new BackgroundResponses(new ResponseStore(api), backends, responseChanges,
        syncAdmission::requireBudgetLeft, dispatcher::responseCreated, dispatcher::abortResponse, clock);
    this.responseRetention = new ResponseRetention(responseStore, batch.resultsRetentionDuration(), clock).start();
    this.idempotencyKeys = new IdempotencyKeys(new IdempotencyStore(api), clock);
    this.lifecycle = new BatchLifecycle(batchStore, queue, results, validator(config, fileStore, batchStore, queue, new ResponseCache(database)),
        new ProjectPermits(batch.maxValidationsPerProject()), new ResultFiles(queries, blobs, clock),
        new FileService(fileStore, batchStore, blobs, batch.maxFileBytes(), clock), idempotencyKeys,
        batch.cancelGraceDuration(), batch.budgetHoldDuration(), clock, dispatcher::wake, dispatcher::abort, nodeId,
        heartbeat).start();
    this.providerJobs = new ProviderJobs(backends, BackendFactory.providerBatchApis(backends, clock), engineStores,
        new UpstreamJobStore(database), dispatchSettings, dispatchMetrics, clock,
        () -> nodes.alive(NodeHeartbeat.DEAD_AFTER).since(), lifecycle::wake).start(database.singleNode());
    this.archiver = new ResultsArchiver(new BatchRetention(database), queue, queries, batch.resultsRetentionDuration(),
        clock).start();
    this.feed = new BatchFeed(apiBatches::find, new ProjectPermits(batch.maxEventStreamsPerProject())).start();
    DryRunner dryRunner = new DryRunner(validator(config, apiFiles, apiBatches, apiQueue, new ResponseCache(api)), blobs, backends, prices,
        apiQueries, clock);
    this.batches = new BatchService(apiBatches, new BatchPages(api), new CreationLog(api), apiFiles, batch.maxWindow(),
        batch.maxCreationsPerHour(), batch.cache().enabled() ? CacheMode.DETERMINISTIC : CacheMode.OFF, prices::prices, dryRunner, new ProjectPermits(batch.maxDryRunsPerProject()), feed,
        apiQueries, clock, () -> {
      lifecycle.wake();
      dispatcher.wake();
    });
    this.batchPaths = new BatchPaths(new BatchTiers(api), new UpstreamJobStore(api));
    this.messageBatches = InlineBatches.anthropic(batches, files, new BatchPages(api), new BatchRetention(api), apiQueries);
    this.geminiBatches = InlineBatches.gemini(batches, files, new BatchPages(api), new BatchRetention(api), apiQueries);
    this.webhooks = new WebhookSender(new WebhookStore(database), config.webhooks(), clock).start();
  }

  /** The input checks of {@code config} over these stores: the engine's for validations, the API's for dry runs. */
  private InputValidator validator(BargeConfig config, FileStore files, BatchStore batches, RequestQueue requests,
      ResponseCache cache) {
    BatchConfig batch = config.batch();
    return new InputValidator(files, batches, requests, blobs, model -> !backends.serving(model).isEmpty(),
        batch.maxRequests(), batch.maxReportedErrors(), batch.maxLineBytes(), batch.canary(), config::project,
        prices::prices, cache, batch.cache().ttlDuration(), batch.groupPrefixes(), clock);
  }

  /** Each project's daily budget in picodollars, for those that have one. */
  private static Map<String, Long> dailyBudgets(BargeConfig config) {
    Map<String, Long> out = new HashMap<>();
    config.projects().forEach((name, project) -> {
      if (project.dailyBudgetUsd() != null) out.put(name, Money.picos(project.dailyBudgetUsd()));
    });
    return out;
  }

  /** Starts an engine keeping file bytes in the configured blob directory. */
  public static Engine start(BargeConfig config, Clock clock) {
    return start(config, clock, UnaryOperator.identity());
  }

  /**
   * Starts an engine whose blob store (the configured directory) is wrapped by {@code wrapBlobs}, e.g. to
   * inject faults in a test; the engine closes it when it closes.
   */
  public static Engine start(BargeConfig config, Clock clock, UnaryOperator<BlobStore> wrapBlobs) {
    Database database = Database.open(config.storage());
    try {
      return new Engine(config, database, clock, wrapBlobs);
    } catch (IOException e) {
      database.close(); // and with it the SQLite lock: a start that failed holds nothing
      throw new UncheckedIOException("cannot open the blob store " + config.storage().blobs() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      database.close();
      throw e;
    }
  }

  public FileService files() {
    return files;
  }

  public BatchService batches() {
    return batches;
  }

  /** How batches' lines were bought: per tier, and in which provider jobs. */
  public BatchPaths batchPaths() {
    return batchPaths;
  }

  /** What earlier create requests with an {@code Idempotency-Key} created. */
  public IdempotencyKeys idempotencyKeys() {
    return idempotencyKeys;
  }

  /** How each backend stands now: limits, calls in flight, adaptive limit, circuit, answers by outcome. */
  public List<BackendStatus> backendStatuses() {
    return dispatcher.backendStatuses();
  }

  /** Every metric in the Prometheus text format. */
  public String scrapeMetrics() {
    return metrics.scrape();
  }

  /** Whether the engine can take work: its database answers (through the API's pool: it is asked over HTTP). */
  public boolean ready() {
    return database.forApi().answers();
  }

  /** The Anthropic Message Batches door to the same batches. */
  /** The Anthropic Message Batches door. */
  public InlineBatches messageBatches() {
    return messageBatches;
  }

  /** The Gemini batch door. */
  public InlineBatches geminiBatches() {
    return geminiBatches;
  }

  public Backends backends() {
    return backends;
  }

  /** What {@code project} spent today and the {@code days - 1} days before (UTC), per day and tier. */
  public List<SpendStore.DaySpend> spendOf(String project, int days) {
    return apiSpend.of(project, SpendStore.dayOf(clock.millis()) - (days - 1));
  }

  /**
   * Sends a synchronous request ahead of all batch work (flex behind interactive), waiting up to
   * {@code server.interactive_wait} or {@code server.flex_wait} for a free slot of a backend serving
   * {@code model}. Empty when none had room in that time.
   *
   * @throws TooManyRequestsException when the project has as many synchronous requests in flight as it may
   * @throws BudgetExceededException when the project's daily budget is spent
   */
  public Optional<Outcome> sendNow(String project, Priority priority, Endpoint endpoint, String model, byte[] body)
      throws InterruptedException {
    Duration wait = priority == Priority.FLEX ? flexWait : interactiveWait;
    try (var admitted = syncAdmission.admit(project)) {
      return dispatcher.sendNow(project, priority, endpoint, model, body, wait);
    }
  }

  /**
   * The same for a request whose answer is streamed ({@code "stream": true}) to {@code listener} as the
   * backend sends it; the caller's slot is held until the stream ends or the caller leaves.
   *
   * @throws TooManyRequestsException when the project has as many synchronous requests in flight as it may
   * @throws BudgetExceededException when the project's daily budget is spent
   */
  public Optional<StreamedCall> streamNow(String project, Priority priority, Endpoint endpoint, String model,
      byte[] body, StreamListener listener) throws InterruptedException {
    Duration wait = priority == Priority.FLEX ? flexWait : interactiveWait;
    try (var admitted = syncAdmission.admit(project)) {
      return dispatcher.streamNow(project, priority, endpoint, model, body, wait, listener);
    }
  }

  /** Background responses: created, read, followed, cancelled and deleted by id. */
  public BackgroundResponses backgroundResponses() {
    return backgroundResponses;
  }

  public String nodeId() {
    return nodeId;
  }

  @Override
  public void close() {
    webhooks.close();
    feed.close();
    responseRetention.close();
    archiver.close();
    lifecycle.close();
    providerJobs.close();
    dispatcher.close();
    heartbeat.close();
    backends.close();
    database.close();
    try {
      blobs.close();
    } catch (IOException e) {
      throw new UncheckedIOException("closing the blob store", e);
    }
  }
}
