package dev.barge.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.barge.config.StorageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;

/** The connection pool, schema migrations and transactions, on SQLite or PostgreSQL. */
public final class Database implements AutoCloseable {
  /** One schema serves both databases (portable SQL); a dialect-only migration would get its own folder. */
  private static final String MIGRATIONS = "classpath:db/migration/common";

  /** What differs between the two databases; SQL outside this class is written to run on both. */
  enum Dialect {
    SQLITE(""),
    POSTGRESQL(" FOR UPDATE SKIP LOCKED");

    /** Appended to the row selection of a claim, so concurrent claimers skip each other's rows. */
    final String skipLocked;

    Dialect(String skipLocked) {
      this.skipLocked = skipLocked;
    }
  }

  /**
   * Connections of the API's own pool. API requests (reads above all: progress streams, partial results,
   * lists) use only these, so however many arrive at once they never take a connection the engine needs to
   * claim work and record results. On SQLite in WAL mode readers do not block the writer; on PostgreSQL both
   * pools reach the same server, and this keeps the API's share of it small.
   */
  static final int API_POOL_SIZE = 4;
  /** How long an API request waits for one of them before it is told to try again (503). */
  private static final Duration API_WAIT = Duration.ofSeconds(2);
  private static final Duration BUSY_RETRY_AFTER = Duration.ofSeconds(1);

  private final HikariDataSource dataSource;
  private final Dialect dialect;
  // SQLite has a single writer: queue writers here instead of letting them spin on SQLITE_BUSY.
  // A ReentrantLock, not synchronized, so waiting virtual threads do not pin their carriers.
  // PostgreSQL needs no such lock. Shared by both pools.
  private final ReentrantLock writeLock;
  /** The same database through the API's pool; null in that view itself. */
  private final Database api;

  private Database(HikariDataSource dataSource, Dialect dialect, ReentrantLock writeLock, Database api) {
    this.dataSource = dataSource;
    this.dialect = dialect;
    this.writeLock = writeLock;
    this.api = api;
  }

  public static Database open(StorageConfig storage) {
    Dialect dialect = storage.postgres() ? Dialect.POSTGRESQL : Dialect.SQLITE;
    HikariDataSource engine = connect(storage, pool(storage, "barge-engine", storage.postgres() ? 16 : 8));
    HikariDataSource api;
    try {
      Flyway.configure().dataSource(engine).locations(MIGRATIONS).load().migrate();
      HikariConfig apiPool = pool(storage, "barge-api", API_POOL_SIZE);
      apiPool.setConnectionTimeout(API_WAIT.toMillis());
      api = connect(storage, apiPool);
    } catch (RuntimeException e) {
      engine.close();
      throw e;
    }
    ReentrantLock writeLock = dialect == Dialect.SQLITE ? new ReentrantLock(true) : null;
    return new Database(engine, dialect, writeLock, new Database(api, dialect, writeLock, null));
  }

  private static HikariConfig pool(StorageConfig storage, String name, int size) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName(name);
    hikari.setMaximumPoolSize(size);
    if (storage.postgres()) {
      hikari.setJdbcUrl(storage.postgresJdbcUrl());
      StorageConfig.Login login = storage.postgresLogin();
      if (login.user() != null) hikari.setUsername(login.user());
      if (login.password() != null) hikari.setPassword(login.password());
      hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
    } else {
      Path file = storage.sqlitePath().toAbsolutePath();
      try {
        Files.createDirectories(file.getParent());
      } catch (IOException e) {
        throw new StoreException("cannot create the directory of " + file, e);
      }
      hikari.setJdbcUrl("jdbc:sqlite:" + file);
      hikari.addDataSourceProperty("journal_mode", "WAL");
      hikari.addDataSourceProperty("synchronous", "NORMAL");
      hikari.addDataSourceProperty("busy_timeout", "30000");
    }
    return hikari;
  }

  private static HikariDataSource connect(StorageConfig storage, HikariConfig pool) {
    try {
      return new HikariDataSource(pool);
    } catch (RuntimeException e) {
      throw new StoreException("cannot connect to the database " + storage + ": " + rootMessage(e), e);
    }
  }

  /**
   * The same database through the API's own small pool: what HTTP requests read and write goes there, so
   * API load can never starve the engine's claims and result writes. A request that finds every API
   * connection busy for a while gets a {@link DatabaseBusyException}.
   */
  public Database forApi() {
    return api == null ? this : api;
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) t = t.getCause();
    return t.getMessage();
  }

  Dialect dialect() {
    return dialect;
  }

  /** Whether the database answers a trivial query now. */
  public boolean answers() {
    try {
      return read(c -> {
        try (var st = c.createStatement(); var rs = st.executeQuery("SELECT 1")) {
          return rs.next();
        }
      });
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Whether only one Barge process can use this database (SQLite): leases of earlier processes are void. */
  public boolean singleNode() {
    return dialect == Dialect.SQLITE;
  }

  /** Work done in one transaction on one connection. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /** Runs {@code work} as one write transaction: all of it commits or none of it. */
  public <T> T write(Work<T> work) {
    if (writeLock == null) return transaction(work);
    writeLock.lock();
    try {
      return transaction(work);
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Runs {@code work} as one write transaction whose loss in a crash of the database itself is harmless:
   * a claim that vanishes leaves its rows queued, and they are claimed and sent again (upstream calls
   * are at-least-once anyway; the first call's result matches no lease and is dropped). PostgreSQL then
   * commits without waiting for its log to reach the disk ({@code synchronous_commit = off}): still
   * atomic and in order. Results are not written this way: once visible (partial results, progress,
   * spend) they must stay. SQLite in WAL mode with {@code synchronous = NORMAL} needs no such switch.
   */
  public <T> T writeLeased(Work<T> work) {
    if (dialect == Dialect.SQLITE) return write(work);
    return transaction(c -> {
      try (var st = c.createStatement()) {
        st.execute("SET LOCAL synchronous_commit = off");
      }
      return work.run(c);
    });
  }

  /** Runs {@code work} on a consistent snapshot. */
  public <T> T read(Work<T> work) {
    return transaction(work);
  }

  private <T> T transaction(Work<T> work) {
    try (Connection c = connection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException("database error: " + e.getMessage(), e);
    }
  }

  private Connection connection() throws SQLException {
    try {
      return dataSource.getConnection();
    } catch (SQLTransientConnectionException e) {
      throw new DatabaseBusyException("The database is busy: no connection of the pool " + dataSource.getPoolName()
          + " came free in " + dataSource.getConnectionTimeout() + " ms; try again shortly.", BUSY_RETRY_AFTER, e);
    }
  }

  /** Closes both pools (the API view closes only its own). */
  @Override
  public void close() {
    if (api != null) api.close();
    dataSource.close();
  }
}
