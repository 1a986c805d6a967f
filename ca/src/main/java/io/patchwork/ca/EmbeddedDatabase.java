package io.patchwork.ca;

import java.nio.file.Path;
import java.util.Objects;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * The embedded default state store: an H2 database file behind a connection pool, set so that every
 * commit is written to the file before it returns ({@code WRITE_DELAY=0}). H2's default writes
 * commits up to half a second later, and a process killed in that window loses them; this setting
 * makes a commit survive a crash of the process. H2 does not force each commit to the disk itself
 * (a power cut can still lose the last commits): production uses PostgreSQL.
 *
 * <pre>{@code
 * try (EmbeddedDatabase database = EmbeddedDatabase.open(Path.of("data/registry/patchwork"))) {
 *   CertificateAuthorities.builder().dataSource(database.dataSource())...
 * }
 * }</pre>
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private final JdbcConnectionPool pool;

  private EmbeddedDatabase(JdbcConnectionPool pool) {
    this.pool = pool;
  }

  /**
   * Opens (creating if needed) the database whose files start with the given path, such as {@code
   * data/registry/patchwork} for {@code data/registry/patchwork.mv.db}.
   */
  public static EmbeddedDatabase open(Path file) {
    Objects.requireNonNull(file, "file");
    String url = "jdbc:h2:file:" + file.toAbsolutePath().normalize() + ";WRITE_DELAY=0";
    return new EmbeddedDatabase(JdbcConnectionPool.create(url, "sa", ""));
  }

  /** The pooled data source; valid until {@link #close()}. */
  public DataSource dataSource() {
    return pool;
  }

  /** Closes the pool's connections; the database closes with the last one. */
  @Override
  public void close() {
    pool.dispose();
  }
}
