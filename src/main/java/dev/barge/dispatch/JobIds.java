package dev.barge.dispatch;

/**
 * The ids of lines inside provider jobs: Barge's own, never the caller's (which may repeat across batches),
 * made of the batch id and the line number so that a result maps back to its line with no lookup table.
 */
final class JobIds {
  private JobIds() {}

  /** A line's id in a job: letters, digits, {@code _} and {@code -}, as both providers accept. */
  static String customId(String batchId, int line) {
    return batchId + "-" + line;
  }

  /** The batch and line of a job line's id; null for an id Barge did not make. */
  static Line parse(String customId) {
    int dash = customId == null ? -1 : customId.lastIndexOf('-');
    if (dash <= 0) return null;
    try {
      return new Line(customId.substring(0, dash), Integer.parseInt(customId.substring(dash + 1)));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  record Line(String batchId, int line) {}
}
