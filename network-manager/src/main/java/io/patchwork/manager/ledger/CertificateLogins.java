package io.patchwork.manager.ledger;

import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.IssuedCertificate;
import io.patchwork.ca.Role;
import io.patchwork.manager.access.Principal;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.error.Refusal;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.config.proto.Member;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Member admins who authenticate with their admin certificate (mutual TLS) instead of an API token.
 * The TLS handshake proves the caller holds the certificate's key; this checks, at every request,
 * that the ledger's authority issued it (the issuer's key signed it and the authority keeps it
 * under its serial), that it is an admin certificate of a current member, valid now and not
 * revoked. Revocation therefore counts from the next request on. Blocking (the authority's store):
 * call it off the event loop. Thread-safe.
 */
public final class CertificateLogins {
  /** The common name suffix of the authorities this manager makes ({@code "<ledger> referee"}). */
  private static final String AUTHORITY_SUFFIX = " referee";

  private final LedgerService ledgers;
  private final Clock clock;

  public CertificateLogins(LedgerService ledgers, Clock clock) {
    this.ledgers = Objects.requireNonNull(ledgers, "ledgers");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The member admin {@code presented} (the TLS client's certificate) makes its holder.
   *
   * @throws Refusal CLIENT_CERTIFICATE_REFUSED, CLIENT_CERTIFICATE_REVOKED or
   *     CLIENT_CERTIFICATE_EXPIRED, saying why
   */
  public Principal authenticate(X509Certificate presented)
      throws Refusal, CaException, SQLException {
    String ledgerId =
        issuingLedger(presented)
            .orElseThrow(
                () -> refused("it was not issued by the authority of a ledger of this manager"));
    if (ledgers.registry().get(ledgerId).isEmpty()) {
      throw refused("it was not issued by the authority of a ledger of this manager");
    }
    CertificateAuthority authority = ledgers.authority(ledgerId);
    X509Certificate issuer = authority.certificate();
    if (!issuer.getSubjectX500Principal().equals(presented.getIssuerX500Principal())
        || !signedBy(presented, issuer)) {
      throw refused("ledger " + ledgerId + "'s authority did not sign it");
    }
    IssuedCertificate issued =
        authority
            .find(presented.getSerialNumber())
            .filter(known -> sameCertificate(known.certificate(), presented))
            .orElseThrow(
                () -> refused("ledger " + ledgerId + "'s authority has no record of issuing it"));
    Instant now = clock.instant();
    if (now.isBefore(issued.notBefore()) || now.isAfter(issued.notAfter())) {
      throw new Refusal(
          ApiError.CLIENT_CERTIFICATE_EXPIRED,
          "the client certificate is valid from "
              + issued.notBefore()
              + " to "
              + issued.notAfter());
    }
    if (issued.isRevoked()) {
      throw new Refusal(
          ApiError.CLIENT_CERTIFICATE_REVOKED,
          "the client certificate (serial "
              + issued.serialHex()
              + ") is revoked by ledger "
              + ledgerId
              + "'s authority");
    }
    if (issued.role() != Role.ADMIN) {
      throw refused(
          "it is a "
              + issued.role().organizationalUnit()
              + " certificate; only a member admin's certificate acts on the API");
    }
    Optional<HostedLedger> running = ledgers.running(ledgerId);
    if (running.isPresent()
        && running.get().config().getMembersList().stream()
            .map(Member::getMspId)
            .noneMatch(issued.mspId()::equals)) {
      throw refused(issued.mspId() + " is no longer a member of ledger " + ledgerId);
    }
    return Principal.memberAdmin(
        "certificate:" + issued.serialHex(), ledgerId, issued.mspId(), issued.serialHex());
  }

  /** The ledger whose authority's name the certificate's issuer carries, if any. */
  private static Optional<String> issuingLedger(X509Certificate certificate) {
    try {
      for (Rdn rdn : new LdapName(certificate.getIssuerX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")
            && rdn.getValue() instanceof String name
            && name.endsWith(AUTHORITY_SUFFIX)) {
          return Optional.of(name.substring(0, name.length() - AUTHORITY_SUFFIX.length()));
        }
      }
      return Optional.empty();
    } catch (InvalidNameException e) {
      return Optional.empty();
    }
  }

  private static boolean signedBy(X509Certificate certificate, X509Certificate issuer) {
    try {
      certificate.verify(issuer.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static boolean sameCertificate(X509Certificate kept, X509Certificate presented) {
    try {
      return Arrays.equals(kept.getEncoded(), presented.getEncoded());
    } catch (CertificateEncodingException e) {
      return false;
    }
  }

  private static Refusal refused(String why) {
    return new Refusal(
        ApiError.CLIENT_CERTIFICATE_REFUSED, "the client certificate is refused: " + why);
  }
}
