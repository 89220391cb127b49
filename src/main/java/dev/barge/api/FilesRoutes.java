package dev.barge.api;

import dev.barge.batch.Excerpt;
import dev.barge.batch.FileService;
import dev.barge.batch.IdempotencyKeys;
import dev.barge.store.FileRecord;
import dev.barge.store.Page;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.Set;

/** {@code /v1/files}: upload, list, retrieve, delete, content (spec §1). */
final class FilesRoutes {
  private static final long MIN_EXPIRY = 3600;
  private static final long MAX_EXPIRY = 2_592_000;
  private static final Set<String> FIELDS = Set.of("purpose", "expires_after[anchor]", "expires_after[seconds]");

  private final FileService files;
  private final IdempotencyKeys idempotencyKeys;

  FilesRoutes(FileService files, IdempotencyKeys idempotencyKeys) {
    this.files = files;
    this.idempotencyKeys = idempotencyKeys;
  }

  void register(Javalin app) {
    app.post("/v1/files", this::upload);
    app.get("/v1/files", this::list);
    app.get("/v1/files/{file_id}", ctx -> ctx.json(Wire.file(files.getVisible(Auth.project(ctx), ctx.pathParam("file_id")))));
    app.delete("/v1/files/{file_id}", this::delete);
    app.get("/v1/files/{file_id}/content", this::content);
  }

  private void upload(Context ctx) {
    if (!ctx.isMultipartFormData()) {
      throw new ApiException(415, "invalid_request_error", null, "unsupported_media_type",
          "Upload a file as multipart/form-data with the fields 'file' and 'purpose'.");
    }
    IdempotentCreate create = IdempotentCreate.of(ctx, "POST /v1/files", idempotencyKeys);
    // The file streams to the blob store as it arrives; the fields are checked once the body is read
    // (they may come after the file), and the bytes are discarded unless the upload is committed.
    try (MultipartUpload.Form form = MultipartUpload.read(ctx.req(), "file", FIELDS,
        () -> files.receive(create.keyed()), files.maxFileBytes())) {
      String purpose = form.field("purpose");
      if (purpose == null) throw ApiException.missing("purpose");
      if (form.file() == null) throw ApiException.missing("file");
      Long expiresAfter = expiresAfter(form.field("expires_after[anchor]"), form.field("expires_after[seconds]"));
      if (create.keyed()) {
        // What was sent, not how: each encoding of a form has a boundary of its own.
        create.add(purpose).add(form.field("expires_after[anchor]")).add(form.field("expires_after[seconds]"))
            .add(form.filename()).add(form.file().sha256());
      }
      String project = Auth.project(ctx);
      create.answer(ctx, key -> form.file().commit(project, form.filename(), purpose, expiresAfter, key),
          id -> files.getVisible(project, id), Wire::file);
    }
  }

  private static Long expiresAfter(String anchor, String seconds) {
    if (anchor == null && seconds == null) return null;
    if (anchor == null) throw ApiException.missing("expires_after[anchor]");
    if (seconds == null) throw ApiException.missing("expires_after[seconds]");
    if (!"created_at".equals(anchor)) {
      throw ApiException.badRequest("expires_after[anchor]", "'expires_after[anchor]' must be 'created_at'.");
    }
    try {
      long value = Long.parseLong(seconds.trim());
      if (value >= MIN_EXPIRY && value <= MAX_EXPIRY) return value;
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw ApiException.badRequest("expires_after[seconds]",
        "'expires_after[seconds]' must be an integer from " + MIN_EXPIRY + " to " + MAX_EXPIRY + ".");
  }

  private void list(Context ctx) {
    int limit = Params.limit(ctx, 10_000, 10_000);
    String order = ctx.queryParam("order") == null ? "desc" : ctx.queryParam("order");
    if (!order.equals("asc") && !order.equals("desc")) {
      throw ApiException.badRequest("order", "Invalid 'order': '" + Excerpt.of(order) + "'; use 'asc' or 'desc'.");
    }
    Page<FileRecord> page = files.list(Auth.project(ctx), Params.optional(ctx, "purpose"),
        Params.optional(ctx, "after"), limit, order.equals("asc"));
    ctx.json(Wire.list(page, Wire::file, FileRecord::id));
  }

  private void delete(Context ctx) {
    String id = ctx.pathParam("file_id");
    files.getVisible(Auth.project(ctx), id);
    files.delete(Auth.project(ctx), id);
    ctx.json(Wire.deletedFile(id));
  }

  private void content(Context ctx) {
    String project = Auth.project(ctx);
    String id = ctx.pathParam("file_id");
    FileRecord file = files.getVisible(project, id);
    ctx.contentType("application/octet-stream");
    ctx.header("Content-Length", Long.toString(file.bytes()));
    ctx.result(files.content(project, id));
  }
}
