package dev.barge.batch.model;

import java.util.Locale;

/**
 * The API a batch was created through. Each API lists, shows and cancels only its own batches; an
 * Anthropic message batch has its results streamed instead of written to files, a Gemini batch has them in
 * one responses file.
 */
public enum BatchApi {
  /** OpenAI's Batch API ({@code /v1/batches}). */
  OPENAI,
  /** Anthropic's Message Batches API ({@code /v1/messages/batches}). */
  ANTHROPIC,
  /** Gemini's batch mode ({@code /v1beta/models/*:batchGenerateContent}, {@code /v1beta/batches}). */
  GEMINI;

  /** The value stored in {@code batches.api}: {@code openai}, {@code anthropic}, {@code gemini}. */
  public String column() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static BatchApi ofColumn(String column) {
    return valueOf(column.toUpperCase(Locale.ROOT));
  }
}
