package dev.barge.upstream;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** The random part of the ids Barge gives answers it writes itself (translated ones), as the APIs' own look. */
final class RandomIds {
  private RandomIds() {}

  /** 24 hex digits. */
  static String hex() {
    byte[] b = new byte[12];
    ThreadLocalRandom.current().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
