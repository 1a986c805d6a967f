package io.patchwork.ca;

import java.time.Duration;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a store's Flyway migrations so that the instances of a cluster may start at once on one
 * fresh registry. Each store keeps its own history table in a schema it shares with other stores,
 * so the first migration baselines that table. When two instances create it at the same moment, the
 * one that comes second finds it empty (the other has not written its baseline row yet) and Flyway
 * refuses; it tries again, when the table is complete and Flyway's own lock on it orders the
 * migrations. A migration that keeps failing fails with Flyway's last reason.
 */
public final class SchemaMigrations {
  private static final Logger log = LoggerFactory.getLogger(SchemaMigrations.class);
  private static final int ATTEMPTS = 5;
  private static final Duration PAUSE = Duration.ofMillis(300);

  private SchemaMigrations() {}

  /**
   * Migrates the store whose migrations are at {@code location} (a classpath folder) and whose
   * history is the table {@code historyTable}, in the data source's current schema.
   *
   * @throws FlywayException if it still fails after a few attempts
   */
  public static void migrate(DataSource dataSource, String location, String historyTable) {
    Flyway flyway =
        Flyway.configure()
            .dataSource(dataSource)
            .locations("classpath:" + location)
            .table(historyTable)
            .baselineOnMigrate(true)
            .baselineVersion("0")
            .load();
    for (int attempt = 1; ; attempt++) {
      try {
        flyway.migrate();
        return;
      } catch (FlywayException e) {
        if (attempt == ATTEMPTS) {
          throw e;
        }
        log.warn(
            "store.migration_retried table={} attempt={} reason=\"{}\"; another instance may be"
                + " creating the same store right now",
            historyTable,
            attempt,
            e.getMessage());
        try {
          Thread.sleep(PAUSE.toMillis() * attempt);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }
}
