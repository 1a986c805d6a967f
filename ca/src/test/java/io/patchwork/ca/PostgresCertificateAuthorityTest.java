package io.patchwork.ca;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The certificate authority on PostgreSQL, the production store. Runs against the server at
 * 127.0.0.1:5432 (or {@value Databases#POSTGRES_URL_VARIABLE}); skipped, saying so, when none
 * answers. Each test gets a schema of its own, dropped afterwards.
 */
class PostgresCertificateAuthorityTest extends CertificateAuthorityContract {
  @TempDir Path directory;
  private final List<Databases.PostgresSchema> schemas = new ArrayList<>();

  @BeforeEach
  void requirePostgres() {
    assumeTrue(
        Databases.postgres().map(this::keep).isPresent(),
        "no PostgreSQL at 127.0.0.1:5432 (set "
            + Databases.POSTGRES_URL_VARIABLE
            + " to point elsewhere); PostgreSQL tests skipped");
  }

  @AfterEach
  void dropSchemas() throws SQLException {
    for (Databases.PostgresSchema schema : schemas) {
      schema.drop();
    }
  }

  @Override
  CaFixture fixture() {
    return new CaFixture(directory, schemas.get(0).dataSource());
  }

  private Databases.PostgresSchema keep(Databases.PostgresSchema schema) {
    schemas.add(schema);
    return schema;
  }
}
