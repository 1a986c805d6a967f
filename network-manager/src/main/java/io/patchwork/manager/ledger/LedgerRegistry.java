package io.patchwork.manager.ledger;

import io.patchwork.ca.SchemaMigrations;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The registry of ledgers, in SQL that runs on the embedded H2 and on PostgreSQL; its schema is
 * migrated by Flyway (history table {@code manager_schema_history}). Blocking JDBC: call it off the
 * event loop. Thread-safe.
 */
public final class LedgerRegistry {
  private static final String UNIQUE_VIOLATION = "23505";
  private static final String COLUMNS =
      "id, name, template, status, failure, parties, overrides, created_at, updated_at";

  private final DataSource dataSource;

  /** Opens the registry on {@code dataSource}, migrating its schema. */
  public LedgerRegistry(DataSource dataSource) {
    this.dataSource = dataSource;
    SchemaMigrations.migrate(dataSource, "io/patchwork/manager/db", "manager_schema_history");
  }

  /** Thrown when a ledger of that name exists already. */
  public static final class DuplicateNameException extends Exception {
    private static final long serialVersionUID = 1L;

    DuplicateNameException(String name) {
      super("a ledger named '" + name + "' exists already");
    }
  }

  /** Records a new ledger. */
  public void insert(LedgerRecord ledger) throws DuplicateNameException, SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO ledger (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      insert.setString(1, ledger.id());
      insert.setString(2, ledger.name());
      insert.setString(3, ledger.template());
      insert.setString(4, ledger.status().name());
      insert.setString(5, ledger.failure().orElse(null));
      insert.setString(6, partiesJson(ledger.parties()));
      insert.setString(
          7, new JsonObject(new LinkedHashMap<String, Object>(ledger.overrides())).encode());
      insert.setTimestamp(8, Timestamp.from(ledger.createdAt()));
      insert.setTimestamp(9, Timestamp.from(ledger.updatedAt()));
      insert.executeUpdate();
    } catch (SQLException e) {
      if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
        throw new DuplicateNameException(ledger.name());
      }
      throw e;
    }
  }

  /** Sets a ledger's status (and failure reason, for FAILED). */
  public void setStatus(String id, LedgerStatus status, Optional<String> failure)
      throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement update =
            connection.prepareStatement(
                "UPDATE ledger SET status = ?, failure = ?, updated_at = ? WHERE id = ?")) {
      update.setString(1, status.name());
      update.setString(2, failure.orElse(null));
      update.setTimestamp(3, Timestamp.from(Instant.now()));
      update.setString(4, id);
      update.executeUpdate();
    }
  }

  /**
   * Makes {@code owner} the instance that runs the ledger, if it is run by {@code expected} now
   * (empty: by nobody). Atomic: of several instances claiming the same ledger, one wins.
   *
   * @return whether this call made the change
   */
  public boolean claim(String id, Optional<String> expected, String owner) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement update =
            connection.prepareStatement(
                expected.isPresent()
                    ? "UPDATE ledger SET owner = ?, updated_at = ? WHERE id = ? AND owner = ?"
                    : "UPDATE ledger SET owner = ?, updated_at = ? WHERE id = ? AND owner IS NULL")) {
      update.setString(1, owner);
      update.setTimestamp(2, Timestamp.from(Instant.now()));
      update.setString(3, id);
      if (expected.isPresent()) {
        update.setString(4, expected.get());
      }
      return update.executeUpdate() == 1;
    }
  }

  /** The instance that runs the ledger's hosted nodes, if one was recorded. */
  public Optional<String> owner(String id) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement("SELECT owner FROM ledger WHERE id = ?")) {
      select.setString(1, id);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? Optional.ofNullable(rows.getString(1)) : Optional.empty();
      }
    }
  }

  /** Records where an instance serves its API. */
  public void announce(String instance, String url) throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      try (PreparedStatement update =
          connection.prepareStatement(
              "UPDATE manager_instance SET url = ?, updated_at = ? WHERE id = ?")) {
        update.setString(1, url);
        update.setTimestamp(2, Timestamp.from(Instant.now()));
        update.setString(3, instance);
        if (update.executeUpdate() == 1) {
          return;
        }
      }
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO manager_instance (id, url, updated_at) VALUES (?, ?, ?)")) {
        insert.setString(1, instance);
        insert.setString(2, url);
        insert.setTimestamp(3, Timestamp.from(Instant.now()));
        insert.executeUpdate();
      }
    }
  }

  /** Where an instance serves its API, if it announced it. */
  public Optional<String> url(String instance) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement("SELECT url FROM manager_instance WHERE id = ?")) {
      select.setString(1, instance);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
      }
    }
  }

  /**
   * Where an orderer of a ledger runs outside the ledger's owner: the instance and the endpoint.
   */
  public record Placement(String nodeId, String instance, String endpoint) {}

  /** Records that {@code instance} runs the ledger's orderer {@code nodeId} now (upsert). */
  public void place(String ledgerId, String nodeId, String instance, String endpoint)
      throws SQLException {
    upsert(
        "node_placement",
        Map.of("ledger_id", ledgerId, "node_id", nodeId),
        Map.of(
            "instance",
            instance,
            "endpoint",
            endpoint,
            "updated_at",
            Timestamp.from(Instant.now())));
  }

  /**
   * Updates the row of {@code table} with these key columns, or inserts it when there is none.
   * Table and column names are this class's constants, never input.
   */
  private void upsert(String table, Map<String, Object> keys, Map<String, Object> values)
      throws SQLException {
    List<String> keyColumns = List.copyOf(keys.keySet());
    List<String> valueColumns = List.copyOf(values.keySet());
    try (Connection connection = dataSource.getConnection()) {
      try (PreparedStatement update =
          connection.prepareStatement(
              "UPDATE "
                  + table
                  + " SET "
                  + String.join(" = ?, ", valueColumns)
                  + " = ? WHERE "
                  + String.join(" = ? AND ", keyColumns)
                  + " = ?")) {
        int index = 1;
        for (String column : valueColumns) {
          update.setObject(index++, values.get(column));
        }
        for (String column : keyColumns) {
          update.setObject(index++, keys.get(column));
        }
        if (update.executeUpdate() == 1) {
          return;
        }
      }
      List<String> columns = new ArrayList<>(keyColumns);
      columns.addAll(valueColumns);
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO "
                  + table
                  + " ("
                  + String.join(", ", columns)
                  + ") VALUES ("
                  + String.join(", ", Collections.nCopies(columns.size(), "?"))
                  + ")")) {
        int index = 1;
        for (String column : columns) {
          insert.setObject(
              index++, keys.containsKey(column) ? keys.get(column) : values.get(column));
        }
        insert.executeUpdate();
      }
    }
  }

  /** The ledger's orderers placed on other instances than its owner, by node id. */
  public List<Placement> placements(String ledgerId) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT node_id, instance, endpoint FROM node_placement WHERE ledger_id = ?"
                    + " ORDER BY node_id")) {
      select.setString(1, ledgerId);
      try (ResultSet rows = select.executeQuery()) {
        List<Placement> placements = new ArrayList<>();
        while (rows.next()) {
          placements.add(new Placement(rows.getString(1), rows.getString(2), rows.getString(3)));
        }
        return placements;
      }
    }
  }

  /** Forgets one placed orderer ({@code nodeId}), or all of the ledger's when it is empty. */
  public void unplace(String ledgerId, Optional<String> nodeId) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement delete =
            connection.prepareStatement(
                nodeId.isPresent()
                    ? "DELETE FROM node_placement WHERE ledger_id = ? AND node_id = ?"
                    : "DELETE FROM node_placement WHERE ledger_id = ?")) {
      delete.setString(1, ledgerId);
      if (nodeId.isPresent()) {
        delete.setString(2, nodeId.get());
      }
      delete.executeUpdate();
    }
  }

  /** A ledger's sealed custody and the instance that sealed it. */
  public record Custody(byte[] sealed, String sealedBy) {}

  /** Keeps a ledger's sealed custody, replacing what was kept. */
  public void keepCustody(String ledgerId, byte[] sealed, String instance) throws SQLException {
    upsert(
        "ledger_custody",
        Map.of("ledger_id", ledgerId),
        Map.of(
            "sealed", sealed, "sealed_by", instance, "sealed_at", Timestamp.from(Instant.now())));
  }

  /** A ledger's sealed custody, if one is kept. */
  public Optional<Custody> custody(String ledgerId) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT sealed, sealed_by FROM ledger_custody WHERE ledger_id = ?")) {
      select.setString(1, ledgerId);
      try (ResultSet row = select.executeQuery()) {
        return row.next()
            ? Optional.of(new Custody(row.getBytes(1), row.getString(2)))
            : Optional.empty();
      }
    }
  }

  /** Deletes a ledger's custody (with its files: retired, or failed). */
  public void dropCustody(String ledgerId) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement delete =
            connection.prepareStatement("DELETE FROM ledger_custody WHERE ledger_id = ?")) {
      delete.setString(1, ledgerId);
      delete.executeUpdate();
    }
  }

  /** Every ledger, oldest first. */
  public List<LedgerRecord> list() throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT " + COLUMNS + " FROM ledger ORDER BY created_at, id");
        ResultSet rows = select.executeQuery()) {
      List<LedgerRecord> ledgers = new ArrayList<>();
      while (rows.next()) {
        ledgers.add(record(rows));
      }
      return ledgers;
    }
  }

  /** The ledger with this id, if any. */
  public Optional<LedgerRecord> get(String id) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement("SELECT " + COLUMNS + " FROM ledger WHERE id = ?")) {
      select.setString(1, id);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? Optional.of(record(rows)) : Optional.empty();
      }
    }
  }

  private static LedgerRecord record(ResultSet row) throws SQLException {
    List<LedgerRecord.Party> parties = new ArrayList<>();
    for (Object party : new JsonArray(row.getString("parties"))) {
      JsonObject json = (JsonObject) party;
      parties.add(new LedgerRecord.Party(json.getString("organization"), json.getString("mspId")));
    }
    Map<String, String> overrides = new LinkedHashMap<>();
    new JsonObject(row.getString("overrides"))
        .forEach(entry -> overrides.put(entry.getKey(), String.valueOf(entry.getValue())));
    return new LedgerRecord(
        row.getString("id"),
        row.getString("name"),
        row.getString("template"),
        LedgerStatus.valueOf(row.getString("status")),
        Optional.ofNullable(row.getString("failure")),
        parties,
        overrides,
        row.getTimestamp("created_at").toInstant(),
        row.getTimestamp("updated_at").toInstant());
  }

  private static String partiesJson(List<LedgerRecord.Party> parties) {
    JsonArray json = new JsonArray();
    for (LedgerRecord.Party party : parties) {
      json.add(
          new JsonObject().put("organization", party.organization()).put("mspId", party.mspId()));
    }
    return json.encode();
  }
}
