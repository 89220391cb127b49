package dev.barge.batch;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * Opaque ids with the prefixes the OpenAI API uses ({@code file-}, {@code batch_}, {@code batch_req_},
 * {@code req_}), and those of Anthropic's and Gemini's batches.
 */
public final class Ids {
  private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int LENGTH = 24;

  private Ids() {}

  public static String file() {
    return "file-" + random();
  }

  public static String batch() {
    return "batch_" + random();
  }

  /** A Message Batch's id, as Anthropic writes them. */
  public static String messageBatch() {
    return "msgbatch_" + random();
  }

  /** A Gemini batch's id (its name is {@code batches/} and the id): lower case, as Google writes them. */
  public static String geminiBatch() {
    return "gbatch-" + random().toLowerCase(java.util.Locale.ROOT);
  }

  public static String request() {
    return "req_" + random();
  }

  /** The id of one line's result: stable, so writing a batch's files twice gives the same ids. */
  public static String batchRequest(String batchId, int line) {
    byte[] hash = Sha256.digest().digest((batchId + ":" + line).getBytes(StandardCharsets.UTF_8));
    StringBuilder sb = new StringBuilder("batch_req_");
    for (int i = 0; i < LENGTH; i++) sb.append(ALPHABET[(hash[i] & 0xff) % ALPHABET.length]);
    return sb.toString();
  }

  private static String random() {
    char[] out = new char[LENGTH];
    for (int i = 0; i < LENGTH; i++) out[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    return new String(out);
  }
}
