package dev.barge.upstream;

import java.io.Closeable;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A provider's own batch API (OpenAI Batch + Files, Anthropic Message Batches): the other way, beside
 * real-time calls, to run a backend's batch work. One job holds many requests, each under an id Barge
 * chose; the provider runs them on its own time at its batch price, and answers them all at the job's end.
 *
 * <p>Implementations are thread-safe and hold nothing in memory that grows with a job: inputs are written
 * to a temporary file and uploaded as a stream, results are read as a stream.
 */
public interface ProviderBatchApi {

  /** Begins the input of one job. Close it when done with it, created or not: it removes its temporary file. */
  JobInput newInput() throws IOException;

  /**
   * Creates the job from {@code input} (uploading it first where the provider takes a file), tagged with
   * {@code bargeJobId} so that {@link #find} can tell it again. Returns the provider's id of the job, and a
   * memo to store with it and hand back to {@link #results}.
   *
   * @throws ProviderJobException when the provider refused the job (not worth trying again as it is; a 429
   *     or a 5xx is an IOException)
   * @throws IOException when the provider could not be reached or failed; whether the job exists is unknown
   */
  Created create(String bargeJobId, JobInput input) throws IOException, ProviderJobException;

  /**
   * A job just created.
   *
   * @param id the provider's id of the job
   * @param memo what {@link #results} needs to know of the job that the provider does not keep (such as
   *     the format its requests came in, to answer in it), or null; opaque to the engine, which stores it
   */
  record Created(String id, String memo) {}

  /**
   * The job created for {@code job} before a crash, if the provider has it: how a job whose creation was cut
   * short is found instead of created twice. Its memo is what {@link #create} would have returned. Empty when
   * there is none.
   *
   * @throws IOException also when the provider cannot tell yet whether there is one (see the implementation)
   */
  Optional<Created> find(Lookup job) throws IOException;

  /**
   * What is known of a job whose creation was cut short, to look for it upstream.
   *
   * @param bargeJobId the id it was being created with
   * @param createdSince Unix ms, taken just before the attempt to create it
   * @param endpoint the endpoint of its requests
   * @param knownJobs the provider's ids of other jobs Barge recorded on this backend around that time: not it
   * @param holds whether a request id (a custom id) was put in this job, to tell the job from its results
   *     where the provider keeps no tag of Barge's
   */
  record Lookup(String bargeJobId, long createdSince, Endpoint endpoint, Set<String> knownJobs,
      Predicate<String> holds) {}

  /** How job {@code providerJobId} stands now. */
  JobState status(String providerJobId) throws IOException, ProviderJobException;

  /** Asks the provider to cancel a running job; the requests it finished stay in its results. */
  void cancel(String providerJobId) throws IOException;

  /**
   * Reads the results of an ended job, one call of {@code sink} per request the provider reports on, in the
   * provider's order (not the input's). Requests it does not report on were not run. {@code memo} is the
   * one {@link #create} or {@link #find} returned.
   */
  void results(JobState job, String memo, ResultSink sink) throws IOException;

  /**
   * Deletes what an ended job keeps stored at the provider that Barge no longer needs, once its results are
   * recorded (the files of its input and results, where the provider keeps them as files).
   */
  void discard(JobState job) throws IOException;

  /** The input of one job being written. */
  interface JobInput extends Closeable {
    /**
     * Adds one request. {@code customId} is Barge's id for it (letters, digits, {@code _} and {@code -}, at
     * most 64); {@code body} is the request body as a batch line carries it for {@code endpoint}, with
     * Barge's own fields already removed. Every request of a job has the same endpoint.
     *
     * @return empty when the request was added; otherwise nothing was added and this is its final answer, as
     *     a real-time call to this backend would have given it: a 400 for a request that the translation to
     *     the provider's format cannot carry (tools, images)
     * @throws IllegalArgumentException when {@code endpoint} is not the endpoint of the requests added before,
     *     or one this provider's jobs do not serve
     */
    Optional<Outcome.Rejected> add(String customId, Endpoint endpoint, byte[] body) throws IOException;

    /** The requests added so far. */
    int requests();

    /** The bytes written so far, as the provider counts them against its size limit. */
    long bytes();

    /**
     * The bytes {@link #add} would add for a request with this id and body (0 for one it would refuse):
     * what a job still has room for.
     */
    long bytesFor(String customId, Endpoint endpoint, byte[] body);
  }

  /** Where a job is in its life. */
  enum Phase {
    /** Accepted, validating, queued or running: results are not ready. */
    RUNNING,
    /** Asked to cancel and not ended yet. */
    CANCELLING,
    /** Ended: completed, failed, expired or cancelled; the results it has can be read. */
    ENDED
  }

  /**
   * A job as the provider last described it.
   *
   * @param id the provider's id
   * @param phase where it is
   * @param status the provider's own word for it ({@code in_progress}, {@code completed}, {@code expired}, {@code ended}…)
   * @param counts the provider's request counts
   * @param failure why the provider failed the job as a whole, or null
   * @param resultRefs where its results are (file ids, a results URL), as {@link #results} needs them
   */
  record JobState(String id, Phase phase, String status, Counts counts, String failure, String resultRefs) {}

  /** Request counts as the provider reports them: total, succeeded, and errored or cancelled or expired. */
  record Counts(long total, long completed, long failed) {}

  /** Receives the results of a job. */
  interface ResultSink {
    /**
     * The provider answered request {@code customId}: {@code outcome} classifies its answer exactly as a
     * real-time call's (a success, a final error, or worth another try: 429, 5xx).
     */
    void answered(String customId, Outcome outcome) throws IOException;

    /** The provider did not run request {@code customId}: it expired or was cancelled inside the job. */
    void notRun(String customId, String reason) throws IOException;
  }
}
