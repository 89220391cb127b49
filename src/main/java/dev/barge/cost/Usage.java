package dev.barge.cost;

/** Token usage, summed over successful responses. */
public record Usage(long inputTokens, long cachedTokens, long outputTokens, long reasoningTokens, long totalTokens) {
  public static final Usage ZERO = new Usage(0, 0, 0, 0, 0);

  public Usage plus(Usage other) {
    return new Usage(inputTokens + other.inputTokens, cachedTokens + other.cachedTokens,
        outputTokens + other.outputTokens, reasoningTokens + other.reasoningTokens, totalTokens + other.totalTokens);
  }
}
