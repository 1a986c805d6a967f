package io.patchwork.ca;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** The databases the tests run against: embedded H2 always, PostgreSQL when one is reachable. */
final class Databases {
  /** Overrides where the PostgreSQL tests connect. */
  static final String POSTGRES_URL_VARIABLE = "PATCHWORK_TEST_POSTGRES_URL";

  private static final String DEFAULT_POSTGRES_URL =
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=2";

  private Databases() {}

  /** The embedded default store in the directory, as the {@code patchwork} command runs it. */
  static DataSource h2(Path directory) {
    return EmbeddedDatabase.open(directory.resolve("ca")).dataSource();
  }

  /** A PostgreSQL schema of its own, or empty if no server answers. Drop it with {@link #drop}. */
  static Optional<PostgresSchema> postgres() {
    String url = System.getenv().getOrDefault(POSTGRES_URL_VARIABLE, DEFAULT_POSTGRES_URL);
    PGSimpleDataSource admin = new PGSimpleDataSource();
    admin.setURL(url);
    String schema = "ca_test_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection connection = admin.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      return Optional.empty();
    }
    PGSimpleDataSource scoped = new PGSimpleDataSource();
    scoped.setURL(url);
    scoped.setCurrentSchema(schema);
    return Optional.of(new PostgresSchema(admin, scoped, schema));
  }

  record PostgresSchema(DataSource admin, DataSource dataSource, String schema) {
    void drop() throws SQLException {
      try (Connection connection = admin.getConnection();
          Statement statement = connection.createStatement()) {
        statement.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }
}
