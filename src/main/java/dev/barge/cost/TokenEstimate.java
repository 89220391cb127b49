package dev.barge.cost;

/**
 * The tokens a request is expected to cost before it is sent.
 *
 * @param prompt tokens of the text sent, as the tokenizer counts them
 * @param output the most the answer may take: the request's own limit, or a default when it sets none
 */
public record TokenEstimate(long prompt, long output) {
  public long total() {
    return prompt + output;
  }
}
