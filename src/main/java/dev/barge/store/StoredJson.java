package dev.barge.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON text kept in a row (a batch's errors or metadata) read back for an answer. A value that cannot be
 * read, whatever wrote it, must not make the row unreadable: the batch is still listed and shown, without
 * that value, and the fault is logged once per value.
 */
public final class StoredJson {
  private static final Logger log = LoggerFactory.getLogger(StoredJson.class);
  // Jackson's default limits stay: a value past them (a string of 20 million characters) is as good as unreadable.
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

  private StoredJson() {}

  /**
   * {@code json} as a tree; null when it is null or cannot be read. {@code what} names it in the log, e.g.
   * "batch_1 errors".
   */
  public static JsonNode read(String json, String what) {
    if (json == null) return null;
    try {
      return JSON.readTree(json);
    } catch (IOException | RuntimeException e) {
      if (REPORTED.add(what)) log.warn("stored JSON of {} cannot be read, answered without it: {}", what, e.toString());
      return null;
    }
  }
}
