package dev.barge.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@code storage:} the database holding files, batches and requests, and where file bytes live.
 *
 * <p>{@code database} is {@code sqlite:PATH} (one node) or {@code postgresql://USER:PASSWORD@HOST:PORT/DB}
 * (one or several nodes sharing it). {@code blobs} is a directory (several nodes must then share it) or
 * {@code s3://BUCKET/PREFIX}, S3-compatible object storage reached as {@code s3} says.
 */
public record StorageConfig(String database, String blobs, S3Config s3) {
  private static final String S3_SCHEME = "s3://";

  public StorageConfig {
    if (database == null || database.isBlank()) database = "sqlite:./barge-data/barge.db";
    if (blobs == null || blobs.isBlank()) blobs = "./barge-data/blobs";
    if (!database.startsWith("sqlite:")) postgresUri(database); // refuses anything else, naming the key
    if (s3 == null) s3 = S3Config.defaults();
    if (blobs.startsWith(S3_SCHEME) && !blobs.substring(S3_SCHEME.length()).matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?")) {
      throw new IllegalArgumentException("storage.blobs: '" + blobs + "' is not s3://BUCKET/PREFIX with a valid"
          + " bucket name (3 to 63 of a-z, 0-9, '.', '-')");
    }
  }

  public StorageConfig(String database, String blobs) {
    this(database, blobs, null);
  }

  public static StorageConfig defaults() {
    return new StorageConfig(null, null);
  }

  /** Whether file bytes live in object storage ({@code blobs: s3://…}) rather than a directory. */
  public boolean objectStorage() {
    return blobs.startsWith(S3_SCHEME);
  }

  /** The bucket of {@code blobs: s3://BUCKET/PREFIX}. */
  public String s3Bucket() {
    String rest = blobs.substring(S3_SCHEME.length());
    int slash = rest.indexOf('/');
    return slash < 0 ? rest : rest.substring(0, slash);
  }

  /** The key prefix of {@code blobs: s3://BUCKET/PREFIX}: empty, or ending in '/'. */
  public String s3Prefix() {
    String rest = blobs.substring(S3_SCHEME.length());
    int slash = rest.indexOf('/');
    String prefix = slash < 0 ? "" : rest.substring(slash + 1);
    return prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
  }

  /**
   * Storage rooted in one data directory, as {@code --data DIR} asks: the SQLite database and the blobs
   * move there; a PostgreSQL database stays where it is and only the blobs move.
   */
  public StorageConfig under(Path dataDir) {
    String db = postgres() ? database : "sqlite:" + dataDir.resolve("barge.db");
    return new StorageConfig(db, objectStorage() ? blobs : dataDir.resolve("blobs").toString(), s3);
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
    return "StorageConfig[database=" + redact(database) + ", blobs=" + blobs + (objectStorage() ? ", s3=" + s3 : "")
        + "]";
  }
}
