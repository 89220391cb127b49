package dev.barge.batch;

/** Why a batch input was refused: one entry of the batch's {@code errors}. {@code line} is null for file-level errors. */
public record LineError(String code, String message, String param, Integer line) {

  static LineError at(int line, String code, String param, String message) {
    return new LineError(code, message, param, line);
  }

  static LineError ofFile(String code, String message) {
    return new LineError(code, message, null, null);
  }
}
