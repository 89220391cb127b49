package dev.barge.dispatch;

import dev.barge.batch.model.BatchApi;
import dev.barge.batch.model.BatchRecord;
import dev.barge.upstream.Backend;
import dev.barge.upstream.Backends;
import java.util.Optional;

/**
 * Which of the two paths a batch's lines take: provider jobs (the provider's batch price) while there is
 * time, real-time calls otherwise. A batch whose model a {@code provider_batch} backend serves waits for jobs
 * until {@code spill_before} its deadline; from then on (or from the start, when its window is shorter) and
 * while its canary runs, its lines run real-time. Lines a job handed back run real-time at any time.
 */
final class PathChoice {
  private final Backends backends;

  PathChoice(Backends backends) {
    this.backends = backends;
  }

  /** The backend that runs provider jobs for {@code model}, if any. */
  Optional<Backend> jobBackend(String model) {
    return backends.serving(model).stream().filter(b -> b.config().runsProviderJobs()).findFirst();
  }

  /**
   * Whether the batch's never-tried lines are left for provider jobs now. Gemini requests never are: the
   * providers' batch APIs Barge sends jobs to (OpenAI's, Anthropic's) take no generateContent requests.
   */
  boolean waitsForJobs(BatchRecord batch, long now) {
    if (batch.canary().running() || batch.api() == BatchApi.GEMINI) return false;
    return jobBackend(batch.model()).map(b -> now < spillAt(batch, b)).orElse(false);
  }

  /** When the lines of {@code batch} still in a job of {@code jobBackend} are taken back to run real-time. */
  static long spillAt(BatchRecord batch, Backend jobBackend) {
    return batch.expiresAt() - jobBackend.config().providerBatch().spillLead().toMillis();
  }
}
