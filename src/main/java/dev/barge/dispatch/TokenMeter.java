package dev.barge.dispatch;

import dev.barge.cost.TokenCounter;
import dev.barge.cost.TokenEstimate;
import dev.barge.cost.Usage;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * Meters a backend's tokens per minute. A call's tokens are known only once its body is read, after it was
 * claimed; so claims are held against the bucket for what a call costs on average ({@link #hold}), each
 * call then settles its own estimate against that ({@link #charge}), and the backend's count of prompt
 * tokens corrects the estimate once it answers ({@link #correct}).
 *
 * <p>Synchronisation: the averages are guarded by this object's monitor; the bucket guards itself.
 */
final class TokenMeter {
  /** Weight of the newest sample in the running averages. */
  private static final double SMOOTHING = 0.05;

  private final Supplier<RateBucket> bucket; // the tokens bucket as it stands (it is replaced when limits change)
  private final TokenCounter counter;
  private final long defaultOutputTokens;
  private double promptScale = 1.0; // prompt tokens the backend reports per token Barge counted
  private double tokensPerCall;

  TokenMeter(Supplier<RateBucket> bucket, long defaultOutputTokens) {
    this.bucket = bucket;
    this.defaultOutputTokens = defaultOutputTokens;
    this.counter = new TokenCounter(defaultOutputTokens);
  }

  /** Whether calls must count their tokens before they are sent: a tokens limit is known. */
  boolean counts() {
    return bucket.get() != null;
  }

  /**
   * How many calls the tokens left admit now: none while the bucket is empty or in debt, else as many as
   * the average call fits, one at least; unlimited without a tokens limit.
   */
  long admissibleCalls(long now) {
    RateBucket t = bucket.get();
    if (t == null) return Long.MAX_VALUE;
    long tokensLeft = t.available(now);
    double perCall = averagePerCall();
    return tokensLeft == 0 ? 0 : perCall <= 0 ? 1 : Math.max(1, (long) (tokensLeft / perCall));
  }

  /**
   * {@code n} calls were claimed and will start. Each is held against the bucket for what a call costs on
   * average until its own count replaces that ({@link #charge}): the next round of claims must see the
   * budget already spent. Returns the tokens held per call (0 without a tokens limit).
   */
  long hold(int n, long now) {
    RateBucket t = bucket.get();
    if (t == null) return 0;
    double perCall = averagePerCall();
    long held = perCall > 0 ? Math.round(perCall) : defaultOutputTokens;
    t.take((double) held * n, now);
    return held;
  }

  /** {@code n} calls held {@code heldTokens} each but will not start after all: their tokens come back. */
  void release(int n, long heldTokens, long now) {
    RateBucket t = bucket.get();
    if (t != null) t.take(-(double) heldTokens * n, now);
  }

  /**
   * Counts a call's tokens and settles them against the {@code held} tokens it started with. A body that
   * cannot be read as JSON (validation makes that unlikely) is counted for its output budget alone.
   */
  TokenEstimate charge(byte[] body, boolean generates, long held, long now) {
    TokenEstimate estimate;
    try {
      estimate = counter.estimate(body, generates);
    } catch (IOException e) {
      estimate = new TokenEstimate(0, generates ? defaultOutputTokens : 0);
    }
    long cost;
    synchronized (this) {
      cost = Math.round(estimate.prompt() * promptScale) + estimate.output();
      tokensPerCall = tokensPerCall == 0 ? cost : tokensPerCall + SMOOTHING * (cost - tokensPerCall);
    }
    RateBucket t = bucket.get();
    if (t != null) t.take(cost - held, now);
    return estimate;
  }

  /** The backend counted more prompt tokens than Barge did: take the difference, and count better next time. */
  void correct(TokenEstimate estimate, Usage usage, long now) {
    if (usage.inputTokens() <= 0 || estimate.prompt() <= 0) return;
    long extra;
    synchronized (this) {
      double charged = estimate.prompt() * promptScale;
      promptScale += SMOOTHING * ((double) usage.inputTokens() / estimate.prompt() - promptScale);
      extra = Math.round(usage.inputTokens() - charged);
    }
    RateBucket t = bucket.get();
    if (t != null && extra > 0) t.take(extra, now);
  }

  /** What a call has cost on average so far, in tokens; 0 before the first. */
  synchronized double averagePerCall() {
    return tokensPerCall;
  }
}
