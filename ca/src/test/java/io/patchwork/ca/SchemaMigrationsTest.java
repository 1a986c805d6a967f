package io.patchwork.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The instances of a cluster started at once on one fresh PostgreSQL registry: each migrates the
 * authority's store and another store (as the network manager's registry shares the schema) at the
 * same moment, so whichever store comes second in the schema baselines its new history table while
 * other instances create the same table. Skipped, saying so, when no PostgreSQL answers.
 */
class SchemaMigrationsTest {
  private static final int INSTANCES = 4;
  private static final int ROUNDS = 2;

  @Test
  void instances_that_migrate_one_fresh_shared_schema_at_once_all_succeed_and_migrate_it_once()
      throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      Optional<Databases.PostgresSchema> postgres = Databases.postgres();
      assumeTrue(
          postgres.isPresent(),
          "no PostgreSQL at 127.0.0.1:5432 (set "
              + Databases.POSTGRES_URL_VARIABLE
              + "); concurrent migration test skipped");
      Databases.PostgresSchema schema = postgres.get();
      ExecutorService instances = Executors.newFixedThreadPool(2 * INSTANCES);
      try {
        CyclicBarrier together = new CyclicBarrier(2 * INSTANCES);
        List<Future<?>> started = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
          started.add(
              instances.submit(
                  () -> {
                    together.await();
                    return new CaStore(schema.dataSource());
                  }));
          started.add(
              instances.submit(
                  () -> {
                    together.await();
                    SchemaMigrations.migrate(
                        schema.dataSource(), "io/patchwork/ca/otherdb", "other_schema_history");
                    return null;
                  }));
        }
        for (Future<?> instance : started) {
          instance.get(60, TimeUnit.SECONDS);
        }
        try (Connection connection = schema.dataSource().getConnection();
            Statement statement = connection.createStatement();
            ResultSet applied =
                statement.executeQuery(
                    "SELECT version, COUNT(*) FROM ca_schema_history GROUP BY version"
                        + " HAVING COUNT(*) > 1")) {
          assertThat(applied.next()).as("a migration recorded twice").isFalse();
        }
      } finally {
        instances.shutdownNow();
        schema.drop();
      }
    }
  }
}
