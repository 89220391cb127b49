package dev.barge.store;

/** A validated input line: where its bytes are in the input file. */
public record NewRequest(int line, String customId, long offset, int length) {}
