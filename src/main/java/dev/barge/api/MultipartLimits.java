package dev.barge.api;

import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.util.List;

/** Reads multipart uploads; whatever goes wrong reading the caller's body is the caller's 400. */
final class MultipartLimits {
  private MultipartLimits() {}

  static List<UploadedFile> uploadedFiles(Context ctx, String field, long maxFileBytes) {
    // Refuse an upload that announces its size before reading a byte of it.
    long announced = ctx.req().getContentLengthLong();
    if (announced > maxFileBytes + OVERHEAD) throw tooLarge(maxFileBytes);
    try {
      return ctx.uploadedFiles(field);
    } catch (Exception e) { // Jetty's IOException arrives undeclared, through Kotlin
      if (e instanceof IllegalStateException && String.valueOf(e.getMessage()).contains("exceeds")) {
        throw tooLarge(maxFileBytes);
      }
      throw ApiException.badRequest("file", "The multipart/form-data body could not be read: " + e.getMessage());
    }
  }

  /** Room for the multipart framing and the small form fields around the file. */
  private static final long OVERHEAD = 64 * 1024;

  private static ApiException tooLarge(long maxFileBytes) {
    return ApiException.badRequest("file", "The file is larger than this server's limit of " + maxFileBytes
        + " bytes.");
  }
}
