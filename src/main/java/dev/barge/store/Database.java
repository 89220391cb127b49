package dev.barge.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.barge.config.StorageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;

/** The connection pool, schema migrations and transactions. */
public final class Database implements AutoCloseable {
  private final HikariDataSource dataSource;
  // SQLite has a single writer: queue writers here instead of letting them spin on SQLITE_BUSY.
  // A ReentrantLock, not synchronized, so waiting virtual threads do not pin their carriers.
  private final ReentrantLock writeLock = new ReentrantLock(true);

  private Database(HikariDataSource dataSource) {
    this.dataSource = dataSource;
  }

  public static Database open(StorageConfig storage) {
    Path file = storage.sqlitePath().toAbsolutePath();
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new StoreException("cannot create the directory of " + file, e);
    }
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl("jdbc:sqlite:" + file);
    hikari.setPoolName("barge-sqlite");
    hikari.setMaximumPoolSize(8);
    hikari.addDataSourceProperty("journal_mode", "WAL");
    hikari.addDataSourceProperty("synchronous", "NORMAL");
    hikari.addDataSourceProperty("busy_timeout", "30000");
    hikari.addDataSourceProperty("foreign_keys", "true");
    HikariDataSource ds = new HikariDataSource(hikari);
    try {
      Flyway.configure().dataSource(ds).locations("classpath:db/migration/sqlite").load().migrate();
    } catch (RuntimeException e) {
      ds.close();
      throw e;
    }
    return new Database(ds);
  }

  /** Work done in one transaction on one connection. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /** Runs {@code work} as one write transaction: all of it commits or none of it. */
  public <T> T write(Work<T> work) {
    writeLock.lock();
    try {
      return transaction(work);
    } finally {
      writeLock.unlock();
    }
  }

  /** Runs {@code work} on a consistent snapshot. */
  public <T> T read(Work<T> work) {
    return transaction(work);
  }

  private <T> T transaction(Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
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

  @Override
  public void close() {
    dataSource.close();
  }
}
