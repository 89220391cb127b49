package dev.barge.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.barge.batch.FileService;
import dev.barge.batch.InvalidRequestException;
import dev.barge.store.FileRecord;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The Gemini Files API, as far as batches need it: resumable uploads ({@code /upload/…/files}), get,
 * delete and download ({@code files/{id}:download}). Files are the caller's batch files, the same ones the
 * OpenAI Files API shows. An upload sent in one request (the SDKs' way for files up to 8 MiB) may reach
 * any node; one sent in several chunks is kept by the node that took its first chunk until it is final.
 */
final class GeminiFilesRoutes {
  /** How long Gemini keeps an uploaded file. */
  private static final long FILE_LIFETIME_SECONDS = Duration.ofHours(48).toSeconds();
  /** How long an unfinished multi-chunk upload is kept. */
  private static final Duration SESSION_LIFETIME = Duration.ofHours(1);

  private final FileService files;
  private final Supplier<String> publicBase;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  /** @param publicBase where clients reach this server, or empty to take it from each request's Host */
  GeminiFilesRoutes(FileService files, Supplier<String> publicBase) {
    this.files = files;
    this.publicBase = publicBase;
  }

  /** An upload of several chunks, between its first and its final one. */
  private static final class Session {
    final String project;
    final String displayName;
    final FileService.Upload upload;
    final long startedAt = System.currentTimeMillis();
    long received;

    Session(String project, String displayName, FileService.Upload upload) {
      this.project = project;
      this.displayName = displayName;
      this.upload = upload;
    }
  }

  void register(Javalin app) {
    for (String version : new String[] {"/v1beta", "/v1"}) {
      app.post("/upload" + version + "/files", this::upload);
      app.get("/download" + version + "/files/{call}", this::download);
    }
    app.get("/v1beta/files/{call}", this::getOrDownload);
    app.delete("/v1beta/files/{call}", this::delete);
    // The OpenAI Files API has these paths: they are Gemini's only for a Gemini client.
    GeminiRouting.forGeminiClients(app, HandlerType.GET, "/v1/files/{call}", this::getOrDownload);
    GeminiRouting.forGeminiClients(app, HandlerType.DELETE, "/v1/files/{call}", this::delete);
  }

  /** A caller's batch file by its Gemini name ({@code files/…}); 404 for anything else. */
  static FileRecord geminiFile(FileService files, String project, String name) {
    FileRecord file = files.getVisible(project, GeminiRouting.fileId(name));
    if (!file.purpose().equals(FileService.PURPOSE_BATCH)) {
      throw new InvalidRequestException("fileName", "File " + name + " holds results, not requests; a batch reads"
          + " a file uploaded through the Files API.");
    }
    return file;
  }

  private void upload(Context ctx) throws IOException {
    String command = header(ctx, "X-Goog-Upload-Command");
    if (command.equals("start")) {
      start(ctx);
    } else if (command.equals("upload") || command.equals("upload, finalize")) {
      receive(ctx, command.endsWith("finalize"));
    } else if (command.equals("query")) {
      Session session = sessions.get(ctx.queryParam("upload_id"));
      ctx.header("X-Goog-Upload-Status", session == null ? "final" : "active")
          .header("X-Goog-Upload-Size-Received", Long.toString(session == null ? 0 : session.received));
    } else {
      throw ApiException.badRequest(null, "X-Goog-Upload-Command: expected start, upload or 'upload, finalize'"
          + " (a resumable upload), not '" + command + "'.");
    }
  }

  /** The first step: the file's name; the answer is where to send its bytes. */
  private void start(Context ctx) throws IOException {
    sweepAbandoned();
    if (!header(ctx, "X-Goog-Upload-Protocol").equals("resumable")) {
      throw ApiException.badRequest(null, "X-Goog-Upload-Protocol: Barge takes resumable uploads only.");
    }
    JsonNode file;
    try {
      file = ctx.body().isBlank() ? Wire.JSON.createObjectNode() : Wire.JSON.readTree(ctx.body()).path("file");
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("file", "The body must be JSON: {\"file\": {\"displayName\": …}}.");
    }
    String displayName = file.path("displayName").asText(file.path("display_name").asText(""));
    if (displayName.isEmpty()) displayName = "upload.jsonl";
    // The name travels in the URL, so that an upload sent in one request works on any node.
    String url = base(ctx) + "/upload/v1beta/files?upload_id=" + UUID.randomUUID()
        + "&display_name=" + URLEncoder.encode(displayName, StandardCharsets.UTF_8);
    ctx.header("X-Goog-Upload-URL", url).header("X-Goog-Upload-Status", "active")
        .header("X-Goog-Upload-Chunk-Granularity", "262144");
  }

  /** A chunk of the bytes; the final one makes the file. */
  private void receive(Context ctx, boolean finalize) throws IOException {
    String uploadId = ctx.queryParam("upload_id");
    if (uploadId == null) throw ApiException.badRequest("upload_id", "upload_id: required; start the upload first.");
    String project = Auth.project(ctx);
    long offset = offset(ctx);
    Session session = sessions.remove(uploadId); // this request's alone while it writes
    if (session == null) {
      if (offset != 0) {
        throw ApiException.badRequest("X-Goog-Upload-Offset", "Upload " + uploadId + " is unknown here: its earlier"
            + " chunks went to another node or it expired. Send every chunk of an upload to the same node.");
      }
      String displayName = ctx.queryParam("display_name");
      session = new Session(project, displayName == null ? "upload.jsonl" : displayName, files.receive(false));
    } else if (!session.project.equals(project) || offset != session.received) {
      sessions.put(uploadId, session); // not this caller's, or not its next chunk: the upload stays as it was
      if (!session.project.equals(project)) {
        throw new ApiException(404, "invalid_request_error", null, null, "No upload " + uploadId + ".");
      }
      throw ApiException.badRequest("X-Goog-Upload-Offset", "X-Goog-Upload-Offset: expected " + session.received
          + ", the bytes received so far, not " + offset + ".");
    }
    try {
      session.received += session.upload.writeAll(ctx.req().getInputStream());
      if (!finalize) {
        sessions.put(uploadId, session);
        session = null; // kept for the next chunk
        ctx.header("X-Goog-Upload-Status", "active");
        return;
      }
      FileRecord file = session.upload.store(project, session.displayName, FileService.PURPOSE_BATCH,
          FILE_LIFETIME_SECONDS);
      ctx.header("X-Goog-Upload-Status", "final");
      ctx.json(Wire.JSON.createObjectNode().set("file", GeminiWire.file(file, base(ctx))));
    } finally {
      if (session != null) session.upload.close();
    }
  }

  private static long offset(Context ctx) {
    String value = ctx.header("X-Goog-Upload-Offset");
    if (value == null) return 0;
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("X-Goog-Upload-Offset", "X-Goog-Upload-Offset: not a number: '" + value + "'.");
    }
  }

  /** Drops multi-chunk uploads left unfinished, and their bytes. */
  private void sweepAbandoned() {
    long cutoff = System.currentTimeMillis() - SESSION_LIFETIME.toMillis();
    sessions.entrySet().removeIf(e -> {
      if (e.getValue().startedAt >= cutoff) return false;
      e.getValue().upload.close();
      return true;
    });
  }

  private void getOrDownload(Context ctx) throws IOException {
    String segment = ctx.pathParam("call");
    if (segment.endsWith(":download")) {
      download(ctx);
      return;
    }
    ctx.json(GeminiWire.file(files.getVisible(Auth.project(ctx), GeminiRouting.fileId(segment)), base(ctx)));
  }

  private void download(Context ctx) throws IOException {
    GeminiRouting.Call call = GeminiRouting.call(ctx, "files/");
    if (!call.method().equals("download")) throw GeminiRouting.unknownMethod(ctx, call.method());
    String project = Auth.project(ctx);
    FileRecord file = files.getVisible(project, call.name());
    ctx.contentType("application/jsonl");
    ctx.header("Content-Length", Long.toString(file.bytes()));
    try (InputStream in = files.content(project, file.id())) {
      in.transferTo(ctx.res().getOutputStream());
    }
  }

  private void delete(Context ctx) {
    String project = Auth.project(ctx);
    String id = GeminiRouting.fileId(ctx.pathParam("call"));
    files.getVisible(project, id);
    files.delete(project, id);
    ctx.json(Wire.JSON.createObjectNode());
  }

  private String base(Context ctx) {
    String configured = publicBase.get();
    return configured.isEmpty() ? ctx.scheme() + "://" + ctx.host() : configured;
  }

  private static String header(Context ctx, String name) {
    String value = ctx.header(name);
    return value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
  }
}
