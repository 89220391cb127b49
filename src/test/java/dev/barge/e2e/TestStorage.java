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
 * test JVM starts (own data directory and port) and stops when it exits.
 */
public final class TestStorage {
  private static final Map<Path, String> DATABASES = new ConcurrentHashMap<>();
  private static EmbeddedPostgres postgres;

  private TestStorage() {}

  public static boolean onPostgres() {
    return "postgresql".equals(System.getProperty("barge.test.database"));
  }

  /** Storage under {@code dataDir}; the same directory always gets the same database (a restart finds its data). */
  public static StorageConfig under(Path dataDir) {
    if (!onPostgres()) return StorageConfig.defaults().under(dataDir);
    String database = DATABASES.computeIfAbsent(dataDir.toAbsolutePath(), dir -> createDatabase());
    return new StorageConfig("postgresql://postgres@localhost:" + postgres().getPort() + "/" + database,
        dataDir.resolve("blobs").toString());
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
