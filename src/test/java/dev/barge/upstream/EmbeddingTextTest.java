package dev.barge.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EmbeddingTextTest {
  @Test
  void aTextWithinTheWindowIsKeptWhole() {
    String text = "word ".repeat(EmbeddingText.WINDOW_TOKENS) + "  \n\t";

    assertThat(EmbeddingText.of(text)).isEqualTo(new EmbeddingText(text, false));
  }

  @Test
  void aLongTextIsCutAfterTheWordsThatFillTheWindowWhateverItsLength() {
    String text = "word ".repeat(EmbeddingText.WINDOW_TOKENS) + "more ".repeat(1_000_000);

    EmbeddingText cut = EmbeddingText.of(text);

    assertThat(cut.text()).isEqualTo("word ".repeat(EmbeddingText.WINDOW_TOKENS).strip());
    assertThat(cut.truncated()).isTrue();
  }

  @Test
  void onlyWordsThatSurelyMakeATokenAreCounted() {
    // Control characters vanish in the tokenizer, and are no whitespace to it: "a\u001Cb" is one word.
    String invisible = "\u0001\u0002 ".repeat(500);
    String glued = "a\u001Cb ".repeat(EmbeddingText.WINDOW_TOKENS);
    String text = invisible + glued + "tail";

    EmbeddingText cut = EmbeddingText.of(text);

    assertThat(cut.text()).isEqualTo(invisible + glued.strip());
    assertThat(cut.truncated()).isTrue();
  }

  @Test
  void unicodeSpacesSeparateWordsAsTheyDoForTheTokenizer() {
    String text = "mot\u00A0".repeat(EmbeddingText.WINDOW_TOKENS) + "fin";

    assertThat(EmbeddingText.of(text).text()).isEqualTo("mot\u00A0".repeat(EmbeddingText.WINDOW_TOKENS - 1) + "mot");
  }
}
