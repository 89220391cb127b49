package dev.barge.upstream.simulator;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * Made-up content derived only from hashes, so the same request always gets the same text, vector and scores.
 * The text says it is simulated and is padded with lorem ipsum, which nobody mistakes for a model's answer.
 */
final class SimulatedContent {
  private static final String[] FILLER = {
      "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do", "eiusmod",
      "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua"};
  private static final int EXCERPT_CHARS = 60;
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");
  private static final int MIN_REPLY_TOKENS = 16;
  private static final int REPLY_TOKEN_SPREAD = 112;

  private SimulatedContent() {}

  /** The usual rule of thumb for English text: a token is about four characters. */
  static int tokens(int chars) {
    return Math.max(1, (chars + 3) / 4);
  }

  /** 64-bit FNV-1a, finished with a murmur3 mix so nearby inputs land far apart. */
  static long hash(byte[] bytes) {
    long h = 0xcbf29ce484222325L;
    for (byte b : bytes) h = (h ^ (b & 0xff)) * 0x100000001b3L;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    return h ^ (h >>> 33);
  }

  static long hash(String text) {
    return hash(text.getBytes(StandardCharsets.UTF_8));
  }

  /** A different but still deterministic hash for the {@code index}-th answer of one request. */
  static long variant(long hash, int index) {
    return index == 0 ? hash : hash + index * 0x9e3779b97f4a7c15L;
  }

  /** @param truncated whether the reply was cut at the caller's token bound */
  record Reply(String text, int tokens, boolean truncated) {}

  /** A reply of 16 to 127 tokens (chosen by the hash), cut to {@code maxTokens}. */
  static Reply reply(long hash, String prompt, int maxTokens) {
    StringBuilder text = new StringBuilder("Simulated reply #")
        .append(HexFormat.of().toHexDigits((int) hash)).append(" to: \"").append(excerpt(prompt)).append('"');
    int targetChars = 4 * (MIN_REPLY_TOKENS + (int) Long.remainderUnsigned(hash >>> 8, REPLY_TOKEN_SPREAD));
    SplittableRandom words = new SplittableRandom(hash);
    while (text.length() < targetChars) text.append(' ').append(FILLER[words.nextInt(FILLER.length)]);
    text.append('.');
    long maxChars = 4L * maxTokens;
    if (text.length() <= maxChars) return new Reply(text.toString(), tokens(text.length()), false);
    int end = (int) maxChars;
    if (Character.isHighSurrogate(text.charAt(end - 1))) end--;
    return new Reply(text.substring(0, end), maxTokens, true);
  }

  private static String excerpt(String prompt) {
    // Only the head of a long prompt can appear in the excerpt; do not scan the rest.
    String head = prompt.length() > 4 * EXCERPT_CHARS ? prompt.substring(0, 4 * EXCERPT_CHARS) : prompt;
    String flat = WHITESPACE.matcher(head.strip()).replaceAll(" ");
    if (flat.length() <= EXCERPT_CHARS) return flat;
    int end = Character.isHighSurrogate(flat.charAt(EXCERPT_CHARS - 1)) ? EXCERPT_CHARS - 1 : EXCERPT_CHARS;
    return flat.substring(0, end) + "…";
  }

  /** A unit vector of {@code dimensions} components, a function of the text alone. */
  static float[] embedding(String text, int dimensions) {
    SplittableRandom random = new SplittableRandom(hash(text));
    double[] v = new double[dimensions];
    double norm = 0;
    for (int i = 0; i < dimensions; i++) {
      v[i] = random.nextGaussian();
      norm += v[i] * v[i];
    }
    norm = Math.sqrt(norm);
    float[] unit = new float[dimensions];
    for (int i = 0; i < dimensions; i++) unit[i] = (float) (v[i] / norm);
    return unit;
  }

  /** The OpenAI base64 embedding encoding: little-endian float32. */
  static String base64(float[] vector) {
    ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : vector) bytes.putFloat(f);
    return Base64.getEncoder().encodeToString(bytes.array());
  }

  /** Small moderation scores, far below any flagging threshold: the simulator never flags. */
  static double[] moderationScores(String text, int categories) {
    SplittableRandom random = new SplittableRandom(hash(text));
    double[] scores = new double[categories];
    for (int i = 0; i < categories; i++) scores[i] = 1e-6 + random.nextDouble() * 1e-3;
    return scores;
  }
}
