package dev.barge.upstream.simulator;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.core.FileItemInputIterator;
import org.apache.commons.fileupload2.jakarta.servlet5.JakartaServletFileUpload;

/** The simulated OpenAI Files API's store: uploads and job results, in a directory. Thread-safe. */
final class SimulatedFiles {
  /** A stored file, as the File object describes it. */
  record StoredFile(String id, String filename, String purpose, long bytes, long createdAt, Path path) {}

  /** An upload the simulator refuses, with the form field at fault. */
  static final class BadUpload extends Exception {
    final String param;

    BadUpload(String param, String message) {
      super(message);
      this.param = param;
    }
  }

  private final Path dir;
  private final Clock clock;
  private final Map<String, StoredFile> files = new ConcurrentHashMap<>();

  SimulatedFiles(Path dir, Clock clock) {
    this.dir = dir;
    this.clock = clock;
  }

  /** Reads a multipart upload ({@code purpose}, {@code file}) as it arrives, the file straight to disk. */
  StoredFile upload(HttpServletRequest request) throws IOException, BadUpload {
    JakartaServletFileUpload<?, ?> multipart = new JakartaServletFileUpload<>();
    multipart.setSizeMax(-1);
    multipart.setFileSizeMax(-1);
    String purpose = null;
    String filename = null;
    Path path = null;
    try {
      FileItemInputIterator parts = multipart.getItemIterator(request);
      while (parts.hasNext()) {
        FileItemInput part = parts.next();
        try (InputStream in = part.getInputStream()) {
          if (part.isFormField() && "purpose".equals(part.getFieldName())) {
            purpose = new String(in.readNBytes(256), StandardCharsets.UTF_8);
          } else if (!part.isFormField() && "file".equals(part.getFieldName()) && path == null) {
            filename = part.getName();
            path = Files.createTempFile(dir, "upload", ".jsonl");
            Files.copy(in, path, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      if (path != null) Files.deleteIfExists(path);
      throw e;
    }
    if (path == null) throw new BadUpload("file", "Missing required parameter: 'file'.");
    if (purpose == null) {
      Files.deleteIfExists(path);
      throw new BadUpload("purpose", "Missing required parameter: 'purpose'.");
    }
    return add(path, filename == null ? "upload.jsonl" : filename, purpose);
  }

  /** Stores {@code path}, a file in the store's directory, as a file. */
  StoredFile add(Path path, String filename, String purpose) throws IOException {
    StoredFile file = new StoredFile(SimulatedResponses.id("file-"), filename, purpose, Files.size(path),
        clock.instant().getEpochSecond(), path);
    files.put(file.id(), file);
    return file;
  }

  Optional<StoredFile> get(String id) {
    return Optional.ofNullable(files.get(id));
  }

  /** Deletes a file; false when there is none by that id. */
  boolean delete(String id) throws IOException {
    StoredFile file = files.remove(id);
    if (file == null) return false;
    Files.deleteIfExists(file.path());
    return true;
  }

  /** How many files it holds. */
  int count() {
    return files.size();
  }
}
