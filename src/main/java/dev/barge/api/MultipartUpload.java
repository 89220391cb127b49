package dev.barge.api;

import dev.barge.batch.FileService;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.commons.fileupload2.core.DiskFileItem;
import org.apache.commons.fileupload2.core.DiskFileItemFactory;
import org.apache.commons.fileupload2.core.FileItemHeaders;
import org.apache.commons.fileupload2.jakarta.servlet5.JakartaServletFileUpload;

/**
 * Reads a multipart/form-data upload as it arrives, in one pass and without a temporary copy: the file
 * part goes straight into a {@link FileService.Upload}, the few wanted form fields into memory, whatever
 * else is skipped. Fields may come before or after the file. Whatever goes wrong reading the caller's
 * body is the caller's 400 on param {@code file}; a full disk on our side stays a 500.
 */
final class MultipartUpload {
  /** Room for the multipart framing and the small form fields around the file. */
  static final long OVERHEAD = 64 * 1024;
  private static final int FIELD_MAX = 64 * 1024;
  private static final int BUFFER = 1 << 16;
  private static final int HEADER_MAX = 16 * 1024;
  // Only its header helpers are used (boundary, Content-Disposition); MultipartReader reads the body.
  private static final JakartaServletFileUpload<DiskFileItem, DiskFileItemFactory> HEADERS =
      new JakartaServletFileUpload<>();

  /** What the body held: the first value of each wanted field, and the first file part of the file field. */
  static final class Form implements AutoCloseable {
    private final Map<String, String> fields = new HashMap<>();
    private FileService.Upload file;
    private String filename;

    String field(String name) {
      return fields.get(name);
    }

    /** The file part, received but not yet committed; null when the body had none. */
    FileService.Upload file() {
      return file;
    }

    String filename() {
      return filename;
    }

    /** Discards the file unless it was committed. */
    @Override
    public void close() {
      if (file != null) file.close();
    }
  }

  private MultipartUpload() {}

  /**
   * Reads the whole body. The file part named {@code fileField} streams into an upload from
   * {@code receive}, which refuses it once it passes {@code maxFileBytes}.
   */
  static Form read(HttpServletRequest req, String fileField, Set<String> wantedFields,
      Supplier<FileService.Upload> receive, long maxFileBytes) {
    // Refuse an upload that announces its size before reading a byte of it.
    if (req.getContentLengthLong() > maxFileBytes + OVERHEAD) throw FileService.tooLarge(maxFileBytes);
    Form form = new Form();
    try {
      MultipartReader body = new MultipartReader(new LimitedInputStream(req.getInputStream(),
          maxFileBytes + OVERHEAD, maxFileBytes), boundary(req.getContentType()), BUFFER, HEADER_MAX);
      byte[] buf = new byte[BUFFER];
      for (String block; (block = body.nextPart()) != null; ) {
        Disposition part = disposition(block);
        String name = part.name();
        if (part.filename() == null && name != null && wantedFields.contains(name) && !form.fields.containsKey(name)) {
          form.fields.put(name, readField(body, name));
        } else if (part.filename() != null && fileField.equals(name) && form.file == null) {
          form.filename = part.filename();
          form.file = receive.get();
          for (int n; (n = body.read(buf, 0, buf.length)) >= 0; ) form.file.write(buf, 0, n);
        } // anything else is skipped by the next nextPart()
      }
      return form;
    } catch (TooLarge e) {
      form.close();
      throw FileService.tooLarge(maxFileBytes);
    } catch (IOException e) { // a malformed or cut-off body
      form.close();
      throw ApiException.badRequest("file", "The multipart/form-data body could not be read: " + e.getMessage());
    } catch (RuntimeException | Error e) {
      form.close();
      throw e;
    }
  }

  private static byte[] boundary(String contentType) throws IOException {
    byte[] boundary;
    try {
      boundary = HEADERS.getBoundary(contentType);
    } catch (RuntimeException e) {
      boundary = null;
    }
    if (boundary == null || boundary.length == 0 || boundary.length > 200) {
      throw new MultipartReader.MalformedException("the Content-Type has no usable boundary");
    }
    return boundary;
  }

  /** A part's field name and file name from its Content-Disposition; filename is null for a plain field. */
  private record Disposition(String name, String filename) {}

  private static Disposition disposition(String headerBlock) throws IOException {
    try {
      FileItemHeaders headers = HEADERS.getParsedHeaders(headerBlock);
      return new Disposition(HEADERS.getFieldName(headers), HEADERS.getFileName(headers));
    } catch (RuntimeException e) {
      throw new MultipartReader.MalformedException("the headers of a part are malformed");
    }
  }

  private static String readField(MultipartReader body, String name) throws IOException {
    byte[] value = new byte[FIELD_MAX + 1];
    int length = 0;
    for (int n; length < value.length && (n = body.read(value, length, value.length - length)) >= 0; ) length += n;
    if (length > FIELD_MAX) {
      throw ApiException.badRequest(name, "The form field '" + name + "' is longer than " + FIELD_MAX + " bytes.");
    }
    return new String(value, 0, length, StandardCharsets.UTF_8);
  }

  /** The body stream, refusing to read past the most a valid upload can need. */
  private static final class LimitedInputStream extends InputStream {
    private final InputStream in;
    private final long limit;
    private final long maxFileBytes;
    private long read;

    LimitedInputStream(InputStream in, long limit, long maxFileBytes) {
      this.in = in;
      this.limit = limit;
      this.maxFileBytes = maxFileBytes;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n;
      try {
        n = in.read(b, off, len);
      } catch (IOException e) {
        throw new IncompleteBody(e);
      }
      if (n > 0 && (read += n) > limit) throw new TooLarge(maxFileBytes);
      return n;
    }

    @Override
    public int available() throws IOException {
      return in.available();
    }
  }

  /** The body is longer than any upload under the limit; an IOException, as the reader passes those on. */
  private static final class TooLarge extends IOException {
    TooLarge(long maxFileBytes) {
      super("larger than " + maxFileBytes + " bytes");
    }
  }
}
