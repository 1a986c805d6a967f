package io.patchwork.ca;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.CRLException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.flywaydb.core.api.FlywayException;

/**
 * The authorities' durable state in a relational database (H2 or PostgreSQL). Every method is one
 * transaction: it commits completely or not at all. Thread-safe; concurrency between processes
 * sharing the database is settled by conditional updates and row locks, never by memory.
 *
 * <p>One class on purpose: it is the only code that knows the schema, and operations span its
 * tables in one transaction (a redemption consumes an invite and records certificates at once);
 * split by table, those transactions would have to be stitched back together by callers.
 */
final class CaStore {
  /** The number of the CRL an authority signs when it is made; later CRLs count up from it. */
  static final long FIRST_CRL_NUMBER = 1;

  private static final String UNIQUE_VIOLATION = "23505";
  private static final String CERTIFICATE_COLUMNS =
      "serial, common_name, role, profile, organisation, msp_id, not_before, not_after,"
          + " certificate_der, invite_id, renewal_of, renewed_by, revoked_at, revocation_reason";

  private final DataSource dataSource;

  CaStore(DataSource dataSource) throws CaException {
    this.dataSource = dataSource;
    try {
      SchemaMigrations.migrate(dataSource, "io/patchwork/ca/db", "ca_schema_history");
    } catch (FlywayException e) {
      throw new CaException(
          CaError.STORAGE_FAILURE, "cannot migrate the CA state store: " + e.getMessage(), e);
    }
  }

  /** An authority as stored. */
  record AuthorityRow(
      String ledgerId,
      X509Certificate certificate,
      List<X509Certificate> issuerChain,
      Path keyFile,
      Duration leafLifetime,
      Duration crlValidity,
      Instant createdAt) {}

  /** Writes an authority's key store inside the transaction that records the authority. */
  @FunctionalInterface
  interface KeyWriter {
    void write() throws CaException;
  }

  /** Signs a CRL for the given number and entries, inside the store's transaction. */
  @FunctionalInterface
  interface CrlSigner {
    X509CRL sign(BigInteger number, List<X509Factory.RevokedEntry> entries) throws CaException;
  }

  // ---------------------------------------------------------------- authorities

  /**
   * Records a new authority and, while its row is locked by the still open transaction, runs the
   * key writer; commits only if both succeed. A concurrent creation of the same ledger waits on the
   * row lock and then fails with {@link CaError#AUTHORITY_EXISTS}, so it never sees the key file of
   * a creation in progress.
   */
  void insertAuthority(AuthorityRow row, X509CRL firstCrl, KeyWriter keyWriter) throws CaException {
    transaction(
        connection -> {
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO ca_authority (ledger_id, certificate_der, issuer_chain_der,"
                      + " key_file, leaf_lifetime_s, crl_validity_s, crl_number, crl_der,"
                      + " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, row.ledgerId());
            insert.setBytes(2, der(row.certificate()));
            insert.setBytes(3, concatenatedDer(row.issuerChain()));
            insert.setString(4, row.keyFile().toString());
            insert.setLong(5, row.leafLifetime().toSeconds());
            insert.setLong(6, row.crlValidity().toSeconds());
            insert.setLong(7, FIRST_CRL_NUMBER);
            insert.setBytes(8, der(firstCrl));
            insert.setLong(9, row.createdAt().toEpochMilli());
            insert.executeUpdate();
            keyWriter.write();
          } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
              throw new CaException(
                  CaError.AUTHORITY_EXISTS, "ledger " + row.ledgerId() + " has an authority");
            }
            throw e;
          }
          return null;
        });
  }

  /** Deletes a ledger's authority with its certificates and invites; whether there was one. */
  boolean deleteAuthority(String ledgerId) throws CaException {
    return transaction(
        connection -> {
          for (String table : List.of("ca_invite", "ca_certificate")) {
            try (PreparedStatement delete =
                connection.prepareStatement("DELETE FROM " + table + " WHERE ledger_id = ?")) {
              delete.setString(1, ledgerId);
              delete.executeUpdate();
            }
          }
          try (PreparedStatement delete =
              connection.prepareStatement("DELETE FROM ca_authority WHERE ledger_id = ?")) {
            delete.setString(1, ledgerId);
            return delete.executeUpdate() == 1;
          }
        });
  }

  Optional<AuthorityRow> authority(String ledgerId) throws CaException {
    return transaction(
        connection -> {
          try (PreparedStatement query =
              connection.prepareStatement(
                  "SELECT certificate_der, issuer_chain_der, key_file, leaf_lifetime_s,"
                      + " crl_validity_s, created_at FROM ca_authority WHERE ledger_id = ?")) {
            query.setString(1, ledgerId);
            try (ResultSet rows = query.executeQuery()) {
              if (!rows.next()) {
                return Optional.empty();
              }
              return Optional.of(
                  new AuthorityRow(
                      ledgerId,
                      certificate(rows.getBytes(1)),
                      certificates(rows.getBytes(2)),
                      Path.of(rows.getString(3)),
                      Duration.ofSeconds(rows.getLong(4)),
                      Duration.ofSeconds(rows.getLong(5)),
                      Instant.ofEpochMilli(rows.getLong(6))));
            }
          }
        });
  }

  List<String> ledgerIds() throws CaException {
    return transaction(
        connection -> {
          List<String> ids = new ArrayList<>();
          try (PreparedStatement query =
                  connection.prepareStatement(
                      "SELECT ledger_id FROM ca_authority ORDER BY ledger_id");
              ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
              ids.add(rows.getString(1));
            }
          }
          return ids;
        });
  }

  // ---------------------------------------------------------------- certificates

  void insertCertificates(String ledgerId, List<IssuedCertificate> certificates)
      throws CaException {
    transaction(
        connection -> {
          insertCertificates(connection, ledgerId, certificates);
          return null;
        });
  }

  Optional<IssuedCertificate> certificate(String ledgerId, BigInteger serial) throws CaException {
    return transaction(connection -> certificate(connection, ledgerId, serial));
  }

  List<IssuedCertificate> certificates(String ledgerId) throws CaException {
    return transaction(
        connection ->
            queryCertificates(
                connection,
                "SELECT "
                    + CERTIFICATE_COLUMNS
                    + " FROM ca_certificate WHERE ledger_id = ? ORDER BY not_before, serial",
                ledgerId));
  }

  List<IssuedCertificate> expiring(String ledgerId, Instant now, Instant until) throws CaException {
    return transaction(
        connection ->
            queryCertificates(
                connection,
                "SELECT "
                    + CERTIFICATE_COLUMNS
                    + " FROM ca_certificate WHERE ledger_id = ? AND not_after > ? AND not_after <= ?"
                    + " AND revoked_at IS NULL AND renewed_by IS NULL ORDER BY not_after, serial",
                ledgerId,
                now.toEpochMilli(),
                until.toEpochMilli()));
  }

  /**
   * Records a renewal: marks the old certificate renewed by the new one and stores the new one.
   * Fails if the old one was revoked or renewed meanwhile.
   */
  void insertRenewal(String ledgerId, BigInteger oldSerial, IssuedCertificate renewal)
      throws CaException {
    transaction(
        connection -> {
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE ca_certificate SET renewed_by = ? WHERE ledger_id = ? AND serial = ?"
                      + " AND renewed_by IS NULL AND revoked_at IS NULL")) {
            update.setString(1, hex(renewal.serial()));
            update.setString(2, ledgerId);
            update.setString(3, hex(oldSerial));
            if (update.executeUpdate() != 1) {
              throw new CaException(
                  CaError.CERTIFICATE_SUPERSEDED,
                  "certificate "
                      + hex(oldSerial)
                      + " was revoked or renewed while it was being renewed");
            }
          }
          insertCertificates(connection, ledgerId, List.of(renewal));
          return null;
        });
  }

  /**
   * Revokes the certificates and stores the CRL the signer makes with the next CRL number, all in
   * one transaction.
   */
  List<IssuedCertificate> revoke(
      String ledgerId,
      Collection<BigInteger> serials,
      RevocationReason reason,
      Instant now,
      CrlSigner signer)
      throws CaException {
    return transaction(
        connection -> {
          long number = lockCrl(connection, ledgerId).number();
          List<IssuedCertificate> revoked = new ArrayList<>();
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE ca_certificate SET revoked_at = ?, revocation_reason = ?"
                      + " WHERE ledger_id = ? AND serial = ? AND revoked_at IS NULL")) {
            for (BigInteger serial : serials) {
              update.setLong(1, now.toEpochMilli());
              update.setString(2, reason.name());
              update.setString(3, ledgerId);
              update.setString(4, hex(serial));
              if (update.executeUpdate() != 1) {
                Optional<IssuedCertificate> existing = certificate(connection, ledgerId, serial);
                throw existing.isPresent()
                    ? new CaException(
                        CaError.ALREADY_REVOKED, "certificate " + hex(serial) + " is revoked")
                    : notFound(serial);
              }
              revoked.add(certificate(connection, ledgerId, serial).orElseThrow());
            }
          }
          storeCrl(connection, ledgerId, number + 1, signer);
          return revoked;
        });
  }

  /**
   * Signs a CRL with the next CRL number listing every revoked certificate and the given ones as
   * revoked at {@code now}; stores only the number used, not the CRL, and revokes nothing.
   */
  X509CRL prospectiveCrl(
      String ledgerId,
      Collection<BigInteger> serials,
      RevocationReason reason,
      Instant now,
      CrlSigner signer)
      throws CaException {
    return transaction(
        connection -> {
          long number = lockCrl(connection, ledgerId).number() + 1;
          List<X509Factory.RevokedEntry> entries = revokedEntries(connection, ledgerId);
          for (BigInteger serial : serials) {
            IssuedCertificate certificate =
                certificate(connection, ledgerId, serial).orElseThrow(() -> notFound(serial));
            if (!certificate.isRevoked()) {
              entries.add(new X509Factory.RevokedEntry(serial, now, reason));
            }
          }
          X509CRL crl = signer.sign(BigInteger.valueOf(number), entries);
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE ca_authority SET crl_number = ? WHERE ledger_id = ?")) {
            update.setLong(1, number);
            update.setString(2, ledgerId);
            update.executeUpdate();
          }
          return crl;
        });
  }

  /**
   * Replaces the CRL with a fresh one if the stored one is older than {@code staleBefore}; returns
   * the CRL in force.
   */
  X509CRL refreshCrl(String ledgerId, Instant staleBefore, CrlSigner signer) throws CaException {
    return transaction(
        connection -> {
          LockedCrl locked = lockCrl(connection, ledgerId);
          X509CRL current = crl(locked.der());
          if (!current.getThisUpdate().toInstant().isBefore(staleBefore)) {
            return current;
          }
          return storeCrl(connection, ledgerId, locked.number() + 1, signer);
        });
  }

  // ---------------------------------------------------------------- invites

  void insertInvite(Invite invite, String tokenHash) throws CaException {
    transaction(
        connection -> {
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO ca_invite (invite_id, ledger_id, token_hash, organisation, msp_id,"
                      + " roles, max_nodes, validity_s, created_at, expires_at)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            InviteScope scope = invite.scope();
            insert.setString(1, invite.id());
            insert.setString(2, invite.ledgerId());
            insert.setString(3, tokenHash);
            insert.setString(4, scope.organisation());
            insert.setString(5, scope.mspId());
            insert.setString(
                6,
                scope.roles().stream().sorted().map(Role::name).collect(Collectors.joining(",")));
            insert.setInt(7, scope.maxNodes());
            insert.setLong(8, scope.validity().toSeconds());
            insert.setLong(9, invite.createdAt().toEpochMilli());
            insert.setLong(10, invite.expiresAt().toEpochMilli());
            insert.executeUpdate();
          }
          return null;
        });
  }

  Optional<Invite> inviteByTokenHash(String tokenHash) throws CaException {
    return transaction(connection -> queryInvite(connection, "token_hash = ?", tokenHash));
  }

  Optional<Invite> invite(String ledgerId, String inviteId) throws CaException {
    return transaction(
        connection ->
            queryInvite(connection, "invite_id = ?", inviteId)
                .filter(invite -> invite.ledgerId().equals(ledgerId)));
  }

  List<Invite> invites(String ledgerId) throws CaException {
    return transaction(
        connection -> {
          List<Invite> invites = new ArrayList<>();
          try (PreparedStatement query =
              connection.prepareStatement(
                  inviteSelect() + " WHERE ledger_id = ? ORDER BY created_at DESC, invite_id")) {
            query.setString(1, ledgerId);
            try (ResultSet rows = query.executeQuery()) {
              while (rows.next()) {
                invites.add(invite(rows));
              }
            }
          }
          return invites;
        });
  }

  /** Marks an open invite cancelled; returns whether it was open. */
  boolean cancelInvite(String inviteId, Instant now) throws CaException {
    return transaction(
        connection -> {
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE ca_invite SET cancelled_at = ? WHERE invite_id = ?"
                      + " AND redeemed_at IS NULL AND cancelled_at IS NULL AND expires_at > ?")) {
            update.setLong(1, now.toEpochMilli());
            update.setString(2, inviteId);
            update.setLong(3, now.toEpochMilli());
            return update.executeUpdate() == 1;
          }
        });
  }

  /**
   * Claims an open invite and stores the certificates issued for it, atomically. Returns false,
   * storing nothing, if the invite was no longer open (redeemed, cancelled or expired meanwhile).
   */
  boolean redeem(
      String ledgerId, String inviteId, Instant now, List<IssuedCertificate> certificates)
      throws CaException {
    return transaction(
        connection -> {
          try (PreparedStatement claim =
              connection.prepareStatement(
                  "UPDATE ca_invite SET redeemed_at = ? WHERE invite_id = ? AND ledger_id = ?"
                      + " AND redeemed_at IS NULL AND cancelled_at IS NULL AND expires_at > ?")) {
            claim.setLong(1, now.toEpochMilli());
            claim.setString(2, inviteId);
            claim.setString(3, ledgerId);
            claim.setLong(4, now.toEpochMilli());
            if (claim.executeUpdate() != 1) {
              return false;
            }
          }
          insertCertificates(connection, ledgerId, certificates);
          return true;
        });
  }

  // ---------------------------------------------------------------- internals

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection connection) throws SQLException, CaException;
  }

  private <T> T transaction(Work<T> work) throws CaException {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | CaException | RuntimeException e) {
        rollbackQuietly(connection, e);
        throw e;
      }
    } catch (SQLException e) {
      throw new CaException(
          CaError.STORAGE_FAILURE,
          "the CA state store failed (SQL state " + e.getSQLState() + "); nothing was changed",
          e);
    }
  }

  private static void rollbackQuietly(Connection connection, Exception cause) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  private static void insertCertificates(
      Connection connection, String ledgerId, List<IssuedCertificate> certificates)
      throws SQLException, CaException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO ca_certificate (ledger_id, "
                + CERTIFICATE_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (IssuedCertificate issued : certificates) {
        insert.setString(1, ledgerId);
        insert.setString(2, hex(issued.serial()));
        insert.setString(3, issued.commonName());
        insert.setString(4, issued.role().name());
        insert.setString(5, issued.profile().name());
        insert.setString(6, issued.organisation());
        insert.setString(7, issued.mspId());
        insert.setLong(8, issued.notBefore().toEpochMilli());
        insert.setLong(9, issued.notAfter().toEpochMilli());
        insert.setBytes(10, der(issued.certificate()));
        setNullable(insert, 11, issued.inviteId().orElse(null));
        setNullable(insert, 12, issued.renewalOf().map(CaStore::hex).orElse(null));
        insert.setNull(13, Types.VARCHAR);
        insert.setNull(14, Types.BIGINT);
        insert.setNull(15, Types.VARCHAR);
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }

  private static Optional<IssuedCertificate> certificate(
      Connection connection, String ledgerId, BigInteger serial) throws SQLException, CaException {
    List<IssuedCertificate> found =
        queryCertificates(
            connection,
            "SELECT "
                + CERTIFICATE_COLUMNS
                + " FROM ca_certificate WHERE ledger_id = ? AND serial = ?",
            ledgerId,
            hex(serial));
    return found.stream().findFirst();
  }

  private static List<IssuedCertificate> queryCertificates(
      Connection connection, String sql, Object... parameters) throws SQLException, CaException {
    List<IssuedCertificate> result = new ArrayList<>();
    try (PreparedStatement query = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        query.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          result.add(issuedCertificate(rows));
        }
      }
    }
    return result;
  }

  private static IssuedCertificate issuedCertificate(ResultSet rows)
      throws SQLException, CaException {
    long revokedAt = rows.getLong(13);
    Optional<Revocation> revocation =
        rows.wasNull()
            ? Optional.empty()
            : Optional.of(
                new Revocation(
                    Instant.ofEpochMilli(revokedAt), RevocationReason.valueOf(rows.getString(14))));
    return new IssuedCertificate(
        new BigInteger(rows.getString(1), 16),
        certificate(rows.getBytes(9)),
        Role.valueOf(rows.getString(3)),
        CertificateProfile.valueOf(rows.getString(4)),
        rows.getString(5),
        rows.getString(6),
        rows.getString(2),
        Optional.ofNullable(rows.getString(10)),
        Optional.ofNullable(rows.getString(11)).map(value -> new BigInteger(value, 16)),
        Optional.ofNullable(rows.getString(12)).map(value -> new BigInteger(value, 16)),
        revocation);
  }

  /** The authority's CRL number and CRL, with its row locked until the transaction ends. */
  private record LockedCrl(long number, byte[] der) {}

  private static LockedCrl lockCrl(Connection connection, String ledgerId)
      throws SQLException, CaException {
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT crl_number, crl_der FROM ca_authority WHERE ledger_id = ? FOR UPDATE")) {
      query.setString(1, ledgerId);
      try (ResultSet rows = query.executeQuery()) {
        if (!rows.next()) {
          throw new CaException(
              CaError.AUTHORITY_NOT_FOUND, "ledger " + ledgerId + " has no authority");
        }
        return new LockedCrl(rows.getLong(1), rows.getBytes(2));
      }
    }
  }

  private static X509CRL storeCrl(
      Connection connection, String ledgerId, long number, CrlSigner signer)
      throws SQLException, CaException {
    List<X509Factory.RevokedEntry> entries = revokedEntries(connection, ledgerId);
    X509CRL crl = signer.sign(BigInteger.valueOf(number), entries);
    try (PreparedStatement update =
        connection.prepareStatement(
            "UPDATE ca_authority SET crl_number = ?, crl_der = ? WHERE ledger_id = ?")) {
      update.setLong(1, number);
      update.setBytes(2, der(crl));
      update.setString(3, ledgerId);
      update.executeUpdate();
    }
    return crl;
  }

  private static List<X509Factory.RevokedEntry> revokedEntries(
      Connection connection, String ledgerId) throws SQLException {
    List<X509Factory.RevokedEntry> entries = new ArrayList<>();
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT serial, revoked_at, revocation_reason FROM ca_certificate"
                + " WHERE ledger_id = ? AND revoked_at IS NOT NULL ORDER BY revoked_at, serial")) {
      query.setString(1, ledgerId);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          entries.add(
              new X509Factory.RevokedEntry(
                  new BigInteger(rows.getString(1), 16),
                  Instant.ofEpochMilli(rows.getLong(2)),
                  RevocationReason.valueOf(rows.getString(3))));
        }
      }
    }
    return entries;
  }

  private static Optional<Invite> queryInvite(Connection connection, String where, String value)
      throws SQLException {
    try (PreparedStatement query =
        connection.prepareStatement(inviteSelect() + " WHERE " + where)) {
      query.setString(1, value);
      try (ResultSet rows = query.executeQuery()) {
        return rows.next() ? Optional.of(invite(rows)) : Optional.empty();
      }
    }
  }

  private static String inviteSelect() {
    return "SELECT invite_id, ledger_id, organisation, msp_id, roles, max_nodes, validity_s,"
        + " created_at, expires_at, redeemed_at, cancelled_at FROM ca_invite";
  }

  private static Invite invite(ResultSet rows) throws SQLException {
    Set<Role> roles = EnumSet.noneOf(Role.class);
    Arrays.stream(rows.getString(5).split(","))
        .filter(name -> !name.isEmpty())
        .map(Role::valueOf)
        .forEach(roles::add);
    InviteScope scope =
        new InviteScope(
            rows.getString(3),
            rows.getString(4),
            roles,
            rows.getInt(6),
            Duration.ofSeconds(rows.getLong(7)));
    return new Invite(
        rows.getString(1),
        rows.getString(2),
        scope,
        Instant.ofEpochMilli(rows.getLong(8)),
        Instant.ofEpochMilli(rows.getLong(9)),
        optionalInstant(rows, 10),
        optionalInstant(rows, 11));
  }

  private static Optional<Instant> optionalInstant(ResultSet rows, int column) throws SQLException {
    long value = rows.getLong(column);
    return rows.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(value));
  }

  private static void setNullable(PreparedStatement statement, int index, String value)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.VARCHAR);
    } else {
      statement.setString(index, value);
    }
  }

  static String hex(BigInteger serial) {
    return serial.toString(16);
  }

  static CaException notFound(BigInteger serial) {
    return new CaException(
        CaError.CERTIFICATE_NOT_FOUND, "no certificate with serial " + hex(serial) + " was issued");
  }

  private static byte[] der(X509Certificate certificate) throws CaException {
    try {
      return certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new CaException(CaError.STORAGE_FAILURE, "cannot encode a certificate", e);
    }
  }

  private static byte[] der(X509CRL crl) throws CaException {
    try {
      return crl.getEncoded();
    } catch (CRLException e) {
      throw new CaException(CaError.STORAGE_FAILURE, "cannot encode a CRL", e);
    }
  }

  private static byte[] concatenatedDer(List<X509Certificate> chain) throws CaException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (X509Certificate certificate : chain) {
      out.writeBytes(der(certificate));
    }
    return out.toByteArray();
  }

  private static X509Certificate certificate(byte[] der) throws CaException {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new CaException(CaError.STORAGE_FAILURE, "a stored certificate is damaged", e);
    }
  }

  private static List<X509Certificate> certificates(byte[] der) throws CaException {
    if (der == null || der.length == 0) {
      return List.of();
    }
    try {
      return CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(der))
          .stream()
          .map(X509Certificate.class::cast)
          .toList();
    } catch (CertificateException e) {
      throw new CaException(CaError.STORAGE_FAILURE, "a stored certificate chain is damaged", e);
    }
  }

  private static X509CRL crl(byte[] der) throws CaException {
    try {
      return (X509CRL)
          CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
    } catch (CertificateException | CRLException e) {
      throw new CaException(CaError.STORAGE_FAILURE, "the stored CRL is damaged", e);
    }
  }
}
