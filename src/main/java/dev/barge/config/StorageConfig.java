package dev.barge.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@code storage:} the database holding files, batches and requests, and the directory holding file bytes.
 *
 * <p>{@code database} is {@code sqlite:PATH} (one node) or {@code postgresql://USER:PASSWORD@HOST:PORT/DB}
 * (one or several nodes sharing it; they must then share the blob directory too).
 */
public record StorageConfig(String database, String blobs) {
  public StorageConfig {
    if (database == null || database.isBlank()) database = "sqlite:./barge-data/barge.db";
    if (blobs == null || blobs.isBlank()) blobs = "./barge-data/blobs";
    if (!database.startsWith("sqlite:")) postgresUri(database); // refuses anything else, naming the key
  }

  public static StorageConfig defaults() {
    return new StorageConfig(null, null);
  }

  /**
   * Storage rooted in one data directory, as {@code --data DIR} asks: the SQLite database and the blobs
   * move there; a PostgreSQL database stays where it is and only the blobs move.
   */
  public StorageConfig under(Path dataDir) {
    String db = postgres() ? database : "sqlite:" + dataDir.resolve("barge.db");
    return new StorageConfig(db, dataDir.resolve("blobs").toString());
  }

  /** Storage of its own in {@code dataDir}, whatever database the configuration names (the CLI's local engine). */
  public static StorageConfig privateTo(Path dataDir) {
    return new StorageConfig("sqlite:" + dataDir.resolve("barge.db"), dataDir.resolve("blobs").toString());
  }

  public boolean postgres() {
    return !database.startsWith("sqlite:");
  }

  public Path sqlitePath() {
    return Path.of(database.substring("sqlite:".length()));
  }

  public Path blobDirectory() {
    return Path.of(blobs);
  }

  /** The JDBC URL of a PostgreSQL database, without the credentials. */
  public String postgresJdbcUrl() {
    URI uri = postgresUri(database);
    int port = uri.getPort() < 0 ? 5432 : uri.getPort();
    return "jdbc:postgresql://" + uri.getHost() + ":" + port + uri.getRawPath()
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
  }

  /** User and password from a PostgreSQL URL; either may be null. */
  public record Login(String user, String password) {
    @Override
    public String toString() {
      return "Login[user=" + user + "]";
    }
  }

  public Login postgresLogin() {
    String info = postgresUri(database).getRawUserInfo();
    if (info == null) return new Login(null, null);
    int colon = info.indexOf(':');
    String user = colon < 0 ? info : info.substring(0, colon);
    String password = colon < 0 ? null : info.substring(colon + 1);
    return new Login(decode(user), password == null ? null : decode(password));
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static URI postgresUri(String database) {
    String hint = "database: use sqlite:PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE";
    if (!database.startsWith("postgresql://") && !database.startsWith("postgres://")) {
      throw new IllegalArgumentException(hint + ", not '" + redact(database) + "'");
    }
    try {
      URI uri = new URI(database);
      if (uri.getHost() == null || uri.getRawPath() == null || uri.getRawPath().length() < 2) {
        throw new IllegalArgumentException(hint + "; host and database name are required");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(hint + "; '" + redact(database) + "' is not a URL");
    }
  }

  /** The URL without its password, for messages and logs. */
  private static String redact(String url) {
    return url.replaceAll("//([^:/@]+):[^@]*@", "//$1:***@");
  }

  @Override
  public String toString() {
    return "StorageConfig[database=" + redact(database) + ", blobs=" + blobs + "]";
  }
}
