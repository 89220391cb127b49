package dev.barge.cli;

import java.io.PrintWriter;
import java.time.Duration;

/**
 * The progress line of a running batch: a bar, counts, rate, time left and cost. On a terminal it is
 * redrawn in place; elsewhere (a log, CI) a line is printed every few seconds instead.
 */
final class Progress {
  private static final int WIDTH = 24;
  private static final long PLAIN_EVERY_MS = 5_000;

  private final PrintWriter out;
  private final boolean terminal;
  private long lastPrinted;
  private long lastAt;
  private int lastDone;
  private double rate; // settled lines per second, smoothed

  Progress(PrintWriter out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  void update(BatchView b, long now) {
    int done = b.completed() + b.failed();
    if (lastAt > 0 && now > lastAt) {
      double instant = (done - lastDone) * 1000.0 / (now - lastAt);
      rate = rate == 0 ? instant : 0.8 * rate + 0.2 * instant;
    }
    lastAt = now;
    lastDone = done;
    if (terminal) {
      out.print("\r" + line(b) + "\u001b[K");
      out.flush();
    } else if (now - lastPrinted >= PLAIN_EVERY_MS) {
      out.println(line(b));
      out.flush();
      lastPrinted = now;
    }
  }

  /** Ends the redrawn line, so what follows starts on its own. */
  void finish(BatchView b) {
    out.println((terminal ? "\r" : "") + line(b) + (terminal ? "\u001b[K" : ""));
    out.flush();
  }

  String line(BatchView b) {
    int total = b.total();
    int done = b.completed() + b.failed();
    double share = total == 0 ? 0 : (double) done / total;
    int filled = (int) Math.round(share * WIDTH);
    StringBuilder s = new StringBuilder(b.status()).append(" [")
        .append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ")
        .append(done).append('/').append(total).append(String.format(" %5.1f%%", share * 100));
    if (b.failed() > 0) s.append(" (").append(b.failed()).append(" failed)");
    if (rate > 0) {
      s.append(String.format(" · %.0f/s", rate));
      if (done < total) s.append(" · ETA ").append(clock(Duration.ofSeconds((long) ((total - done) / rate))));
    }
    s.append(" · $").append(b.cost().toPlainString());
    return s.toString();
  }

  static String clock(Duration d) {
    long s = d.toSeconds();
    return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format("%d:%02d", s / 60, s % 60);
  }
}
