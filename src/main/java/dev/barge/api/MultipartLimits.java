package dev.barge.api;

import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.util.List;

/** Reads multipart uploads, turning the servlet container's size-limit failures into the caller's 400. */
final class MultipartLimits {
  private MultipartLimits() {}

  static List<UploadedFile> uploadedFiles(Context ctx, String field) {
    try {
      return ctx.uploadedFiles(field);
    } catch (RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        String message = String.valueOf(t.getMessage());
        if (message.contains("exceeds") || message.contains("max") || message.contains("too large")) {
          throw ApiException.badRequest("file", "The upload is larger than this server's limit for a file.");
        }
      }
      throw ApiException.badRequest("file", "The multipart body could not be read: " + e.getMessage());
    }
  }
}
