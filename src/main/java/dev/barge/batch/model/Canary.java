package dev.barge.batch.model;

import java.math.BigDecimal;
import java.util.List;

/**
 * A batch's canary: a sample of its lines that runs before the rest.
 *
 * @param size lines in the sample as asked (null: the server's default; 0: none)
 * @param maxFailureRate the largest share of the sample that may fail (null: the server's default)
 * @param lines the sample's line numbers once picked, in order; empty before
 * @param state where the canary stands; null when the batch has none (or has not started)
 */
public record Canary(Integer size, BigDecimal maxFailureRate, List<Integer> lines, State state) {
  public static final Canary DEFAULT = new Canary(null, null, List.of(), null);
  public static final Canary OFF = new Canary(0, null, List.of(), null);

  public enum State {
    RUNNING, PASSED, FAILED;

    public String column() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static State ofColumn(String column) {
      return column == null ? null : valueOf(column.toUpperCase(java.util.Locale.ROOT));
    }
  }

  public Canary {
    lines = lines == null ? List.of() : List.copyOf(lines);
  }

  /** Only the sample may be sent: the rest waits for its verdict. */
  public boolean running() {
    return state == State.RUNNING;
  }
}
