package dev.barge.blob;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Set;
import java.util.function.Supplier;

/**
 * File bytes by key. A blob becomes visible only when its writer is committed, so an interrupted
 * upload never leaves half a file behind.
 */
public interface BlobStore extends java.io.Closeable {

  /** Starts a new blob; write to {@link BlobWriter#stream()}, then {@link BlobWriter#commit()} or close to discard. */
  BlobWriter create() throws IOException;

  InputStream open(String key) throws IOException;

  /** Reads {@code length} bytes at {@code offset}: one request line of an input file. */
  byte[] read(String key, long offset, int length) throws IOException;

  long size(String key) throws IOException;

  /** Closes whatever {@link #read} keeps open for {@code key}; the blob stays. */
  void release(String key);

  void delete(String key) throws IOException;

  /** Bytes that new blobs may still take (free space of the disk holding them). */
  long usableSpace() throws IOException;

  /**
   * Deletes what writers that stopped left half-written (a crash mid-upload; never visible as blobs).
   * {@code running} names the nodes alive now, asked only after the leftovers were listed.
   */
  void deleteAbandonedWrites(Supplier<Set<String>> running) throws IOException;

  /** Releases files kept open for reading. */
  @Override
  void close() throws IOException;

  /** A blob being written. Closing without commit discards it. */
  interface BlobWriter extends AutoCloseable {
    OutputStream stream();

    /** Makes the blob visible under its key and returns the key. */
    String commit() throws IOException;

    @Override
    void close() throws IOException;
  }
}
