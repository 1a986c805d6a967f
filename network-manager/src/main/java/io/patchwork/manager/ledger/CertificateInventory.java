package io.patchwork.manager.ledger;

import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.IssuedCertificate;
import io.patchwork.ca.Subjects;
import io.patchwork.manager.access.Principal;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.error.Refusal;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every certificate of a ledger as its authority (this manager's) recorded it — the root, each
 * node's signing and TLS certificate, admins', clients' — with who it names, its role, serial,
 * validity and whether it is revoked or renewed; and the gauge {@code
 * patchwork_certificate_expiry_seconds} per certificate in use, for alerts before one expires.
 */
public final class CertificateInventory {
  private static final Logger log = LoggerFactory.getLogger(CertificateInventory.class);

  /** How often the log warns again of one certificate. */
  private static final Duration WARN_EVERY = Duration.ofDays(1);

  private final LedgerService ledgers;
  private final Clock clock;
  private final Duration warnWithin;
  private final MultiGauge expiry;
  private final Map<String, Instant> warned = new ConcurrentHashMap<>();

  /**
   * @param warnWithin a certificate in use that expires within this is warned of in the log: half
   *     the renewal window, so that the manager's own certificates (renewed at its start) are
   *     warned of only when their renewal fails, and members' own in time to renew them
   */
  public CertificateInventory(LedgerService ledgers, Duration warnWithin, Clock clock) {
    this.ledgers = Objects.requireNonNull(ledgers, "ledgers");
    this.warnWithin = Objects.requireNonNull(warnWithin, "warnWithin");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.expiry =
        MultiGauge.builder("patchwork.certificate.expiry")
            .description(
                "Seconds until a certificate in use expires (negative once expired); revoked and"
                    + " renewed ones are not shown")
            .baseUnit("seconds")
            .register(ledgers.metrics().registry());
  }

  /** What a certificate is and where it stands now. */
  public enum Status {
    VALID,
    EXPIRED,
    REVOKED,
    /** Renewed: a newer certificate for the same key and subject replaces it. */
    RENEWED
  }

  /**
   * One certificate of the ledger.
   *
   * @param kind ROOT for the authority's own certificate, else the role it certifies
   */
  public record Entry(
      String kind,
      String serial,
      String commonName,
      String organization,
      String mspId,
      String profile,
      Instant notBefore,
      Instant notAfter,
      Status status,
      Optional<String> revocationReason,
      Optional<String> renewedBy) {}

  /**
   * The ledger's certificates, newest last: every one for the operator, a member admin's own
   * organisation's (and the root) for a member.
   *
   * @throws Refusal FORBIDDEN, LEDGER_NOT_FOUND, AUTHORITY_REPLACED when the members replaced this
   *     manager's authority (theirs keeps the inventory of what it issues)
   */
  public List<Entry> list(Principal caller, String ledgerId) throws Refusal, SQLException {
    if (!caller.maySee(ledgerId)) {
      throw new Refusal(ApiError.FORBIDDEN, "the caller is not a member of ledger " + ledgerId);
    }
    ledgers.record(ledgerId);
    try {
      List<Entry> entries = entries(ledgers.authority(ledgerId));
      if (caller.isOperator()) {
        return entries;
      }
      String own = caller.mspId().orElseThrow();
      return entries.stream()
          .filter(entry -> entry.kind().equals("ROOT") || entry.mspId().equals(own))
          .toList();
    } catch (CaException e) {
      throw new Refusal(
          ApiError.LEDGER_UNAVAILABLE, "the authority could not be read: " + e.getMessage());
    }
  }

  /**
   * Renews one of the ledger's certificates for its holder: for the same key, or for the new key of
   * {@code csr}. A member admin renews its own organisation's certificates, the operator any.
   *
   * @throws Refusal FORBIDDEN, LEDGER_NOT_FOUND, MALFORMED_REQUEST for a serial that is not hex,
   *     AUTHORITY_REPLACED
   * @throws CaException CERTIFICATE_NOT_FOUND, CERTIFICATE_REVOKED, CERTIFICATE_EXPIRED,
   *     CERTIFICATE_SUPERSEDED, or for the CSR
   */
  public IssuedCertificate renew(
      Principal caller, String ledgerId, String serialHex, Optional<byte[]> csr)
      throws Refusal, SQLException, CaException {
    if (!caller.maySee(ledgerId)) {
      throw new Refusal(ApiError.FORBIDDEN, "the caller is not a member of ledger " + ledgerId);
    }
    BigInteger serial = serial(serialHex);
    ledgers.requireOwnAuthority(ledgerId, ledgers.runningLedger(ledgerId).config());
    CertificateAuthority authority = ledgers.authority(ledgerId);
    IssuedCertificate existing = ledgers.certificate(ledgerId, serial);
    if (!caller.isOperator() && !existing.mspId().equals(caller.mspId().orElseThrow())) {
      throw new Refusal(
          ApiError.FORBIDDEN,
          "an admin of "
              + caller.mspId().orElseThrow()
              + " renews its own organisation's certificates, not "
              + existing.mspId()
              + "'s");
    }
    IssuedCertificate renewed =
        csr.isPresent() ? authority.renewWithNewKey(serial, csr.get()) : authority.renew(serial);
    ledgers.keepCustody(ledgerId);
    return renewed;
  }

  /**
   * A certificate serial as the API takes it, in hexadecimal.
   *
   * @throws Refusal MALFORMED_REQUEST if it is not hex
   */
  static BigInteger serial(String hex) throws Refusal {
    try {
      return new BigInteger(hex, 16);
    } catch (NumberFormatException e) {
      throw Refusal.malformed("serial", "a certificate serial in hexadecimal");
    }
  }

  private List<Entry> entries(CertificateAuthority authority) throws CaException {
    Instant now = clock.instant();
    List<Entry> entries = new ArrayList<>();
    X509Certificate root = authority.trustRoot();
    entries.add(
        new Entry(
            "ROOT",
            root.getSerialNumber().toString(16),
            commonName(root),
            "",
            "",
            "CA",
            root.getNotBefore().toInstant(),
            root.getNotAfter().toInstant(),
            now.isBefore(root.getNotAfter().toInstant()) ? Status.VALID : Status.EXPIRED,
            Optional.empty(),
            Optional.empty()));
    authority.inventory().stream()
        .sorted(
            Comparator.comparing(IssuedCertificate::notBefore)
                .thenComparing(IssuedCertificate::notAfter))
        .forEach(certificate -> entries.add(entry(certificate, now)));
    return entries;
  }

  private static Entry entry(IssuedCertificate certificate, Instant now) {
    Status status =
        certificate.isRevoked()
            ? Status.REVOKED
            : certificate.renewedBy().isPresent()
                ? Status.RENEWED
                : now.isBefore(certificate.notAfter()) ? Status.VALID : Status.EXPIRED;
    return new Entry(
        certificate.role().name(),
        certificate.serialHex(),
        certificate.commonName(),
        certificate.organisation(),
        certificate.mspId(),
        certificate.profile().name(),
        certificate.notBefore(),
        certificate.notAfter(),
        status,
        certificate.revocation().map(r -> r.reason().name()),
        certificate.renewedBy().map(serial -> serial.toString(16)));
  }

  /**
   * Reads every running ledger's inventory again into the expiry gauge, and warns in the log (once
   * a day each) of every certificate in use that expires within the warning window or has expired:
   * its holder renews it ({@code patchwork renew}) or asks for a new one.
   */
  public void refresh() {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    Instant now = clock.instant();
    for (String ledgerId : ledgers.runningIds()) {
      List<Entry> entries;
      try {
        CertificateAuthority authority = ledgers.authority(ledgerId);
        if (!ledgers.trustsOwnAuthority(ledgerId, ledgers.runningLedger(ledgerId).config())) {
          continue;
        }
        entries = entries(authority);
      } catch (CaException | Refusal | SQLException | RuntimeException e) {
        log.debug("certificates.inventory_unavailable ledger={} reason=\"{}\"", ledgerId, e);
        continue;
      }
      for (Entry entry : entries) {
        if (entry.status() == Status.REVOKED || entry.status() == Status.RENEWED) {
          continue;
        }
        Instant notAfter = entry.notAfter();
        rows.add(
            MultiGauge.Row.of(
                Tags.of(
                    "ledger", ledgerId,
                    "serial", entry.serial(),
                    "name", entry.commonName(),
                    "msp", entry.mspId(),
                    "role", entry.kind(),
                    "profile", entry.profile()),
                notAfter,
                until -> (until.toEpochMilli() - clock.millis()) / 1000.0));
        String key = ledgerId + "/" + entry.serial();
        Instant last = warned.get(key);
        if (now.plus(warnWithin).isAfter(notAfter)
            && (last == null || !now.isBefore(last.plus(WARN_EVERY)))) {
          warned.put(key, now);
          log.warn(
              "certificate.expiring ledger={} serial={} name={} msp={} role={} profile={}"
                  + " not_after={} hint=\"{}\"",
              ledgerId,
              entry.serial(),
              entry.commonName(),
              entry.mspId(),
              entry.kind(),
              entry.profile(),
              notAfter,
              now.isBefore(notAfter)
                  ? "renew it before it expires: patchwork renew"
                  : "it has expired: its holder is refused; issue a new one");
        }
      }
    }
    expiry.register(rows, true);
  }

  private static String commonName(X509Certificate certificate) {
    return Subjects.commonNameOf(certificate).orElse("");
  }
}
