package dev.barge.upstream;

import dev.barge.cost.Usage;

/**
 * How a streamed call ended.
 *
 * @param outcome how the call counts against its backend; when nothing was {@code streamed}, the whole
 *     answer to give the caller instead (an error, or a backend that answered without streaming)
 * @param usage the tokens the stream reported using (zero when it reported none)
 * @param streamed whether the caller got events ({@link StreamListener#begin} was called)
 * @param callerLeft whether the caller went away before the end, so the call was dropped
 */
public record StreamedCall(Outcome outcome, Usage usage, boolean streamed, boolean callerLeft) {
  /** Nothing was streamed: {@code outcome} is the answer. */
  public static StreamedCall answered(Outcome outcome) {
    return new StreamedCall(outcome, Usage.ZERO, false, false);
  }
}
