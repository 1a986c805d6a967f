package io.patchwork.manager.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.patchwork.ca.EmbeddedDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The registry on both stores it ships for: embedded H2, and PostgreSQL at 127.0.0.1:5432 (or
 * {@code PATCHWORK_TEST_POSTGRES_URL}), skipped with a message when no server answers.
 */
class LedgerRegistryTest {
  private static final String POSTGRES_URL =
      System.getenv()
          .getOrDefault(
              "PATCHWORK_TEST_POSTGRES_URL",
              "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=2");

  @TempDir Path directory;
  private EmbeddedDatabase h2;
  private String schema;

  private DataSource store(String kind) {
    if (kind.equals("h2")) {
      h2 = EmbeddedDatabase.open(directory.resolve("registry"));
      return h2.dataSource();
    }
    schema = "manager_test_" + UUID.randomUUID().toString().replace("-", "");
    PGSimpleDataSource admin = new PGSimpleDataSource();
    admin.setURL(POSTGRES_URL);
    try (Connection connection = admin.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      schema = null;
      assumeTrue(false, "no PostgreSQL at " + POSTGRES_URL + "; PostgreSQL registry test skipped");
    }
    PGSimpleDataSource scoped = new PGSimpleDataSource();
    scoped.setURL(POSTGRES_URL);
    scoped.setCurrentSchema(schema);
    return scoped;
  }

  @AfterEach
  void drop() throws SQLException {
    if (h2 != null) {
      h2.close();
    }
    if (schema != null) {
      PGSimpleDataSource admin = new PGSimpleDataSource();
      admin.setURL(POSTGRES_URL);
      try (Connection connection = admin.getConnection();
          Statement statement = connection.createStatement()) {
        statement.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  private static LedgerRecord ledger(String name) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    return new LedgerRecord(
        name,
        name,
        "payments-netting",
        LedgerStatus.PROVISIONING,
        Optional.empty(),
        List.of(
            new LedgerRecord.Party("Bank A", "BankAMSP"),
            new LedgerRecord.Party("Bank B", "BankBMSP")),
        Map.of("lifespan", "P7D"),
        now,
        now);
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void ledgers_are_recorded_read_back_and_change_status(String kind) throws Exception {
    LedgerRegistry registry = new LedgerRegistry(store(kind));
    LedgerRecord trade = ledger("trade");

    registry.insert(trade);
    registry.insert(ledger("notary"));
    registry.setStatus("trade", LedgerStatus.FAILED, Optional.of("no free port"));

    LedgerRecord read = registry.get("trade").orElseThrow();
    assertThat(read.parties()).isEqualTo(trade.parties());
    assertThat(read.overrides()).isEqualTo(trade.overrides());
    assertThat(read.status()).isEqualTo(LedgerStatus.FAILED);
    assertThat(read.failure()).contains("no free port");
    assertThat(registry.list())
        .extracting(LedgerRecord::id)
        .containsExactlyInAnyOrder("trade", "notary");
    assertThat(registry.get("nowhere")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void a_second_ledger_of_the_same_name_is_refused(String kind) throws Exception {
    LedgerRegistry registry = new LedgerRegistry(store(kind));
    registry.insert(ledger("trade"));

    LedgerRecord again =
        new LedgerRecord(
            "trade-2",
            "trade",
            "supply-chain",
            LedgerStatus.PROVISIONING,
            Optional.empty(),
            List.of(),
            Map.of(),
            Instant.now(),
            Instant.now());
    assertThatThrownBy(() -> registry.insert(again))
        .isInstanceOf(LedgerRegistry.DuplicateNameException.class);
    assertThat(registry.list()).hasSize(1);
  }
}
