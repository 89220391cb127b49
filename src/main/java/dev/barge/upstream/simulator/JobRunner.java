package dev.barge.upstream.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.barge.config.SimulatorBatchJobs;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the simulator's batch jobs: each ends {@code completeAfter} after its creation (or shortly after a
 * cancel), when its requests are read one at a time from disk, answered by the {@link Simulator} without
 * latency, and their results written to files. Memory does not grow with a job.
 */
final class JobRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JobRunner.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How long a cancel takes to settle, as a provider's in-flight requests do. */
  private static final Duration CANCEL_SETTLES = Duration.ofMillis(200);
  private static final int SHUFFLE_BUCKETS = 16;

  private final Simulator simulator;
  private final SimulatorBatchJobs options;
  private final JobFates fates;
  private final Clock clock;
  private final Path dir;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().name("simulator-jobs").daemon().factory());

  JobRunner(Simulator simulator, SimulatorBatchJobs options, long seed, Clock clock) throws IOException {
    this.simulator = simulator;
    this.options = options;
    this.fates = new JobFates(options, seed);
    this.clock = clock;
    this.dir = Files.createTempDirectory("barge-simulator-jobs");
  }

  /** Where jobs keep their files. */
  Path dir() {
    return dir;
  }

  Instant now() {
    return clock.instant();
  }

  Duration completeAfter() {
    return options.completeAfterDuration();
  }

  /** Starts {@code job}'s clock: it ends {@code completeAfter} from its creation. */
  void start(SimulatedJob<?> job, ResultFormat format) {
    long delay = Duration.between(now(), job.createdAt.plus(completeAfter())).toMillis();
    timer.schedule(() -> finish(job, format), Math.max(0, delay), TimeUnit.MILLISECONDS);
  }

  /** Cancels {@code job}; false when it is already past that. */
  boolean cancel(SimulatedJob<?> job, ResultFormat format) {
    if (!job.cancel(now(), completeAfter())) return false;
    timer.schedule(() -> finish(job, format), CANCEL_SETTLES.toMillis(), TimeUnit.MILLISECONDS);
    return true;
  }

  private void finish(SimulatedJob<?> job, ResultFormat format) {
    Double doneShare = job.startFinalizing(now());
    if (doneShare == null) return; // a cancel or the clock got there first
    Thread.ofVirtual().name("simulator-job-" + job.id).start(() -> {
      try {
        SimulatedJob.Ended ended = options.failJobs() && format.failsWholeJobs()
            ? new SimulatedJob.Ended(now(), new SimulatedJob.Tally(0, 0, 0, 0), null, true)
            : run(job, format, doneShare);
        format.ended(job, ended);
        job.end(ended);
      } catch (IOException | RuntimeException e) {
        log.error("simulated job {} could not write its results", job.id, e);
        job.end(new SimulatedJob.Ended(now(), new SimulatedJob.Tally(0, 0, 0, 0), null, true));
      }
    });
  }

  private SimulatedJob.Ended run(SimulatedJob<?> job, ResultFormat format, double doneShare) throws IOException {
    long succeeded = 0;
    long errored = 0;
    long expired = 0;
    long cancelled = 0;
    try (ResultFiles files = new ResultFiles(dir, job.id, options.shuffle() ? SHUFFLE_BUCKETS : 1);
        BufferedReader lines = Files.newBufferedReader(job.requests, StandardCharsets.UTF_8)) {
      long index = 0;
      for (String line; (line = lines.readLine()) != null; ) {
        if (line.isBlank()) continue;
        JsonNode request = JSON.readTree(line);
        String customId = request.path("custom_id").asText();
        int bucket = options.shuffle() ? fates.bucket(customId, SHUFFLE_BUCKETS) : 0;
        JobFates.Fate fate = options.failJobs() ? JobFates.Fate.SERVER_ERROR
            : fates.of(customId, index++, job.total, doneShare);
        switch (fate) {
          case EXPIRED, CANCELLED -> {
            format.notRun(files, bucket, customId, fate == JobFates.Fate.EXPIRED);
            if (fate == JobFates.Fate.EXPIRED) expired++;
            else cancelled++;
          }
          default -> {
            SimulatedAnswer answer = switch (fate) {
              case RATE_LIMITED -> simulator.jobError(429);
              case SERVER_ERROR -> simulator.jobError(500);
              default -> simulator.answerInJob(job.endpoint, JSON.writeValueAsBytes(request.path(job.bodyKey)));
            };
            format.answered(files, bucket, customId, answer);
            if (answer.status() >= 200 && answer.status() < 300) succeeded++;
            else errored++;
          }
        }
      }
      return new SimulatedJob.Ended(now(), new SimulatedJob.Tally(succeeded, errored, expired, cancelled),
          files.finish(), false);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.warn("could not remove the simulator's job files in {}: {}", dir, e.toString());
    }
  }
}
