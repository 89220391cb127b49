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
  /**
   * One schema serves both databases (portable SQL); a migration that must differ between them has a file
   * of the same version in each dialect's folder ({@link Dialect#migrations}). A version used only by one
   * dialect is a point version (V14_1), so the next shared one stays free on both.
   */
  private static final String MIGRATIONS = "classpath:db/migration/common";

  /** What differs between the two databases; SQL outside this class is written to run on both. */
  enum Dialect {
    SQLITE("", "CAST(unixepoch('subsec') * 1000 AS INTEGER)", "classpath:db/migration/sqlite"),
    POSTGRESQL(" FOR UPDATE SKIP LOCKED", "CAST(EXTRACT(EPOCH FROM statement_timestamp()) * 1000 AS BIGINT)",
        "classpath:db/migration/postgresql");

    /** Appended to the row selection of a claim, so concurrent claimers skip each other's rows. */
    final String skipLocked;
    /**
     * The database's clock in epoch milliseconds, for what nodes judge of each other (heartbeats, leases):
     * one clock for all of them, where a node whose own clock is 10 s behind would look dead to the others.
     */
    final String nowMillis;
    /** This dialect's own migrations, besides the shared ones. */
    final String migrations;

    Dialect(String skipLocked, String nowMillis, String migrations) {
      this.skipLocked = skipLocked;
      this.nowMillis = nowMillis;
      this.migrations = migrations;
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

  /** SQLite: held while open, so that no second process opens the same database; null otherwise and in the API view. */
  private final DatabaseLock processLock;

  /** SQLite: the directory of the database file, whose free space tells a full disk; null on PostgreSQL. */
  private final Path sqliteDirectory;

  private Database(HikariDataSource dataSource, Dialect dialect, ReentrantLock writeLock, Database api,
      DatabaseLock processLock, Path sqliteDirectory) {
    this.sqliteDirectory = sqliteDirectory;
    this.dataSource = dataSource;
    this.dialect = dialect;
    this.writeLock = writeLock;
    this.api = api;
    this.processLock = processLock;
  }

  public static Database open(StorageConfig storage) {
    Dialect dialect = storage.postgres() ? Dialect.POSTGRESQL : Dialect.SQLITE;
    // Before any connection: the lock also creates the database's directory.
    DatabaseLock processLock = storage.postgres() ? null : DatabaseLock.acquire(storage.sqlitePath().toAbsolutePath());
    HikariDataSource engine = null;
    try {
      engine = connect(storage, pool(storage, "barge-engine", storage.postgres() ? 16 : 8));
      Flyway.configure().dataSource(engine).locations(MIGRATIONS, dialect.migrations).load().migrate();
      HikariConfig apiPool = pool(storage, "barge-api", API_POOL_SIZE);
      apiPool.setConnectionTimeout(API_WAIT.toMillis());
      HikariDataSource api = connect(storage, apiPool);
      ReentrantLock writeLock = dialect == Dialect.SQLITE ? new ReentrantLock(true) : null;
      Path directory = storage.postgres() ? null : storage.sqlitePath().toAbsolutePath().getParent();
      return new Database(engine, dialect, writeLock, new Database(api, dialect, writeLock, null, null, directory),
          processLock, directory);
    } catch (RuntimeException e) {
      if (engine != null) engine.close();
      if (processLock != null) processLock.close();
      throw e;
    }
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
      hikari.setJdbcUrl("jdbc:sqlite:" + storage.sqlitePath().toAbsolutePath());
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
   * Runs {@code work} as one write transaction that is on the disk when this returns, power loss included:
   * for what a caller is told is saved (an upload, a batch created or cancelled, a new budget). Other
   * writes on SQLite keep {@code synchronous = NORMAL}, which a crash of the process cannot undo but a power
   * cut or a crash of the machine can (the last commits since SQLite last synced its log are lost; the
   * database stays intact): results and progress then go back to where the disk had them, and the
   * requests concerned are sent again. Waiting for the disk at every commit instead would cost dispatch
   * about a third of its throughput (see README). PostgreSQL commits durably by default.
   */
  public <T> T writeDurable(Work<T> work) {
    if (dialect != Dialect.SQLITE) return write(work);
    writeLock.lock();
    try (Connection c = connection()) {
      synchronous(c, "FULL"); // before the transaction: SQLite refuses to change it inside one
      try {
        return transaction(c, work);
      } finally {
        c.setAutoCommit(true);
        synchronous(c, "NORMAL");
      }
    } catch (SQLException e) {
      throw failure(e);
    } finally {
      writeLock.unlock();
    }
  }

  private static void synchronous(Connection c, String level) throws SQLException {
    try (var st = c.createStatement()) {
      st.execute("PRAGMA synchronous = " + level);
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
      return transaction(c, work);
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  /** SQLite's SQLITE_FULL and PostgreSQL's {@code disk_full}: the write is undone and can be tried again later. */
  private static final int SQLITE_FULL = 13;
  private static final String POSTGRES_DISK_FULL = "53100";
  /** Below this much free space beside SQLite's file, a failed write is put down to the full disk. */
  private static final long NEARLY_FULL_BYTES = 1 << 20;

  private StoreException failure(SQLException e) {
    boolean full = (e.getErrorCode() & 0xff) == SQLITE_FULL || POSTGRES_DISK_FULL.equals(e.getSQLState())
        || sqliteDiskNearlyFull();
    if (full) {
      return new DatabaseFullException("the disk holding the database is full: nothing can be saved until space"
          + " is freed (" + e.getMessage() + ")", e);
    }
    return new StoreException("database error: " + e.getMessage(), e);
  }

  /**
   * Whether the disk holding SQLite's file is (nearly) full. When SQLite runs out of space mid-transaction
   * it rolls the transaction back itself, and the driver may then report only that its commit found no
   * transaction, without the cause.
   */
  private boolean sqliteDiskNearlyFull() {
    if (sqliteDirectory == null) return false;
    try {
      return Files.getFileStore(sqliteDirectory).getUsableSpace() < NEARLY_FULL_BYTES;
    } catch (IOException unknown) {
      return false;
    }
  }

  private <T> T transaction(Connection c, Work<T> work) throws SQLException {
    c.setAutoCommit(false);
    try {
      T result = work.run(c);
      c.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException rollbackFailed) {
        // SQLite undoes a transaction itself when its disk is full, and the driver cannot tell: the failure
        // to report is the first one, and the connection, whose state is now unknown, leaves the pool.
        e.addSuppressed(rollbackFailed);
        dataSource.evictConnection(c);
      }
      throw e;
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
    if (processLock != null) processLock.close();
  }
}
