package dev.barge.e2e;

import dev.barge.config.StorageConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a test of the engine keeps its data. By default SQLite in the test's directory; with
 * {@code -Dbarge.test.database=postgresql}, a database of its own in one private PostgreSQL that this
 * test JVM starts (own data directory and port) and stops when it exits. File bytes go to the test's
 * directory, or with {@code -Dbarge.test.blobs=s3} under a prefix of their own in one S3 server
 * ({@link TestS3}) that this JVM starts.
 */
public final class TestStorage {
  private static final Map<Path, String> DATABASES = new ConcurrentHashMap<>();
  private static final Map<Path, String> PREFIXES = new ConcurrentHashMap<>();
  private static EmbeddedPostgres postgres;
  private static TestS3 s3;

  private TestStorage() {}

  public static boolean onPostgres() {
    return "postgresql".equals(System.getProperty("barge.test.database"));
  }

  public static boolean onS3() {
    return "s3".equals(System.getProperty("barge.test.blobs"));
  }

  /**
   * Storage under {@code dataDir}; the same directory always gets the same database and blob prefix (a
   * restart finds its data).
   */
  public static StorageConfig under(Path dataDir) {
    StorageConfig local = StorageConfig.defaults().under(dataDir);
    String database = !onPostgres() ? local.database() : "postgresql://postgres@localhost:" + postgres().getPort()
        + "/" + DATABASES.computeIfAbsent(dataDir.toAbsolutePath(), dir -> createDatabase());
    if (!onS3()) return new StorageConfig(database, local.blobs());
    String prefix = PREFIXES.computeIfAbsent(dataDir.toAbsolutePath(), dir -> "test-" + (PREFIXES.size() + 1) + "-"
        + System.nanoTime());
    return new StorageConfig(database, "s3://" + TestS3.BUCKET + "/" + prefix, s3().config());
  }

  /** {@code storage} as the {@code storage:} section of a configuration file. */
  public static String yaml(StorageConfig storage) {
    String section = "storage: { database: \"" + storage.database() + "\", blobs: \"" + storage.blobs() + "\"";
    if (storage.objectStorage()) {
      var s3 = storage.s3();
      section += ", s3: { endpoint: \"" + s3.endpoint() + "\", region: " + s3.region() + ", access_key: "
          + s3.accessKey() + ", secret_key: " + s3.secretKey() + ", path_style: " + s3.pathStyle() + " }";
    }
    return section + " }";
  }

  private static synchronized TestS3 s3() {
    if (s3 == null) {
      s3 = TestS3.start();
      TestS3 started = s3;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          started.close();
        } catch (Exception ignored) {
          // the JVM is exiting
        }
      }));
    }
    return s3;
  }

  private static String createDatabase() {
    String name = "barge_" + (DATABASES.size() + 1) + "_" + System.nanoTime();
    try (Connection c = postgres().getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
      return name;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name, e);
    }
  }

  private static synchronized EmbeddedPostgres postgres() {
    if (postgres == null) {
      try {
        postgres = EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the test PostgreSQL", e);
      }
      EmbeddedPostgres started = postgres;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          started.close();
        } catch (IOException ignored) {
          // the JVM is exiting; its temporary data directory goes with it
        }
      }));
    }
    return postgres;
  }
}
