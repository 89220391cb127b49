package dev.barge.batch;

import dev.barge.store.NewRequest;
import dev.barge.store.RequestQueue;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Inserts the request rows of one batch in groups, each group one transaction written on a thread of
 * its own, so the validator reads and checks the next group while the last one is written: inserting
 * is the larger half of validation, and the two halves together use both cores of a small machine.
 * At most one group is being written at a time. {@link #close} waits for it, so no insert can land
 * after the caller has moved on (to delete the rows of a failed validation, say).
 *
 * <p>The writer is a platform thread: SQLite runs in native code, which would pin a virtual thread
 * to its carrier and take it from the HTTP handlers for as long as a group takes.
 */
final class RowInserter implements AutoCloseable {
  /**
   * Rows per insert transaction. Measured with 1,000,000 rows on SQLite: 5,000 → 20,000 nearly halves
   * the time when custom_ids come in random order (UUIDs: 30 s → 17 s, as the unique index on
   * custom_id dirties a page per row and each commit writes those pages) and changes nothing for
   * ordered ids (about 5 s); 50,000 saves 2 s more, but holds SQLite's single write lock, which
   * claims and results of other batches wait for, 2.5 times as long.
   */
  static final int GROUP_ROWS = 20_000;
  /** A group also ends at this many chars of custom_ids, so long ids cannot make one group large. */
  static final long GROUP_CHARS = 4L * 1024 * 1024;

  private final RequestQueue requests;
  private final String batchId;
  private final int groupRows;
  private final long groupChars;
  private List<NewRequest> group;
  private long chars;
  private FutureTask<Void> writing;

  RowInserter(RequestQueue requests, String batchId) {
    this(requests, batchId, GROUP_ROWS, GROUP_CHARS);
  }

  RowInserter(RequestQueue requests, String batchId, int groupRows, long groupChars) {
    this.requests = requests;
    this.batchId = batchId;
    this.groupRows = groupRows;
    this.groupChars = groupChars;
    this.group = new ArrayList<>(Math.min(groupRows, 4096));
  }

  void add(NewRequest row) throws IOException {
    group.add(row);
    chars += row.customId().length();
    if (group.size() >= groupRows || chars >= groupChars) flush();
  }

  /** Writes the rows added so far and waits until all are in; a failed insert is thrown here. */
  void finish() throws IOException {
    flush();
    await();
  }

  private void flush() throws IOException {
    if (group.isEmpty()) return;
    await();
    List<NewRequest> rows = group;
    group = new ArrayList<>(Math.min(groupRows, 4096));
    chars = 0;
    writing = new FutureTask<>(() -> {
      requests.insert(batchId, rows);
      return null;
    });
    Thread.ofPlatform().name("barge-insert-" + batchId).daemon().start(writing);
  }

  private void await() throws IOException {
    FutureTask<Void> w = writing;
    if (w == null) return;
    try {
      w.get();
      writing = null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while queueing the requests of " + batchId);
    } catch (ExecutionException e) {
      writing = null;
      if (e.getCause() instanceof RuntimeException r) throw r;
      if (e.getCause() instanceof Error err) throw err;
      throw new IOException("queueing the requests of " + batchId, e.getCause());
    }
  }

  /** Waits for a group still being written, even when interrupted; its failure no longer matters. */
  @Override
  public void close() {
    FutureTask<Void> w = writing;
    writing = null;
    if (w == null) return;
    boolean interrupted = false;
    while (true) {
      try {
        w.get();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      } catch (ExecutionException e) {
        break;
      }
    }
    if (interrupted) Thread.currentThread().interrupt();
  }
}
