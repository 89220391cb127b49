package dev.barge.upstream;

/**
 * A request the translation between chat completions and Messages cannot carry (tools, images, not JSON):
 * never sent, it gets the final 400 a backend would give it, in the caller's format.
 */
final class Untranslatable extends Exception {
  private final transient Outcome.Rejected answer;

  Untranslatable(Outcome.Rejected answer) {
    super(answer.body(), null, false, false);
    this.answer = answer;
  }

  /** The request's final answer. */
  Outcome.Rejected answer() {
    return answer;
  }
}
