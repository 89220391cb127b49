package dev.barge.upstream;

/**
 * One input of the local embeddings model, cut to what the model can read. all-MiniLM-L6-v2 embeds the first
 * {@link #WINDOW_TOKENS} tokens of a text (its window of 128 less {@code [CLS]} and {@code [SEP]}); its
 * tokenizer drops the rest, but only after reading all of it, at about 0.9 s of a core per MB. So the text is
 * cut first, after as many words as make that many tokens for sure: the embedding is the same, the cost no
 * longer grows with the length.
 *
 * <p>Why the cut is safe: the BERT tokenizer splits text at whitespace (space, tab, line breaks, Unicode
 * space separators), and a word holding a letter or a digit makes at least one token ({@code [UNK]} at
 * worst); other characters (control characters) may vanish, so only such words are counted. Cut at the
 * whitespace after the {@code WINDOW_TOKENS}-th of them, the text still makes at least that many tokens, the
 * same ones as the whole text.
 *
 * @param text what to embed
 * @param truncated whether anything after the cut could have made a token: the text was longer than the window
 */
record EmbeddingText(String text, boolean truncated) {
  static final int WINDOW_TOKENS = 126;

  static EmbeddingText of(String input) {
    int words = 0;
    boolean inWord = false;
    boolean counted = false;
    for (int i = 0; i < input.length(); ) {
      int c = input.codePointAt(i);
      if (separates(c)) {
        if (inWord && counted && ++words == WINDOW_TOKENS) {
          return hasText(input, i) ? new EmbeddingText(input.substring(0, i), true) : new EmbeddingText(input, false);
        }
        inWord = false;
        counted = false;
      } else {
        inWord = true;
        counted |= Character.isLetterOrDigit(c);
      }
      i += Character.charCount(c);
    }
    return new EmbeddingText(input, false);
  }

  /** Whitespace to the BERT tokenizer: it splits words there and makes no token of it. */
  private static boolean separates(int c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || Character.getType(c) == Character.SPACE_SEPARATOR;
  }

  /** Whether {@code input} holds anything from {@code from} on that is neither whitespace nor a control character. */
  private static boolean hasText(String input, int from) {
    for (int i = from; i < input.length(); ) {
      int c = input.codePointAt(i);
      if (!separates(c) && !Character.isISOControl(c) && Character.getType(c) != Character.FORMAT) return true;
      i += Character.charCount(c);
    }
    return false;
  }
}
