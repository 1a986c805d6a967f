package io.patchwork.manager.ledger;

import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.IssuedCertificate;
import io.patchwork.ca.Role;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.LedgerException;
import io.patchwork.node.api.NodeCertificates;
import io.patchwork.node.config.proto.Member;
import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews, before they expire, the certificates the manager holds the keys of: its nodes' signing
 * and TLS certificates (orderers included) and the admin identities members keep with it. A renewal
 * certifies the same key again, so nothing in the ledger's config changes (it pins keys) and the
 * node signs and presents the new certificate from the next signature and handshake on, without a
 * restart. A certificate is due once less than the renewal window — or less than a third of the
 * lifetime the authority issues for, whichever is shorter — is left.
 */
public final class CertificateRenewals {
  private static final Logger log = LoggerFactory.getLogger(CertificateRenewals.class);

  private final LedgerService ledgers;
  private final HostedAdmins admins;
  private final Duration window;
  private final Clock clock;

  /**
   * @param lifetime how long the certificates the authorities issue last
   * @param renewBefore how long before expiry a certificate is renewed, at most
   */
  public CertificateRenewals(
      LedgerService ledgers,
      HostedAdmins admins,
      Duration lifetime,
      Duration renewBefore,
      Clock clock) {
    this.ledgers = Objects.requireNonNull(ledgers, "ledgers");
    this.admins = Objects.requireNonNull(admins, "admins");
    this.window = window(lifetime, renewBefore);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * How long before expiry a certificate is renewed: {@code renewBefore}, or a third of the
   * lifetime if that is shorter.
   */
  public static Duration window(Duration lifetime, Duration renewBefore) {
    Duration third = lifetime.dividedBy(3);
    return renewBefore.compareTo(third) < 0 ? renewBefore : third;
  }

  /** How long before expiry a certificate is renewed. */
  public Duration window() {
    return window;
  }

  /** Renews every due certificate of the ledgers running here whose authority is this manager's. */
  public void renewDue() {
    for (String ledgerId : ledgers.runningIds()) {
      try {
        renewDue(ledgerId);
      } catch (CaException | LedgerException | IOException | RuntimeException e) {
        log.warn(
            "certificates.renewal_failed ledger={} reason=\"{}\" hint=\"tried again in a few"
                + " seconds; a certificate left to expire is refused by every node\"",
            ledgerId,
            e.toString());
      }
    }
  }

  private void renewDue(String ledgerId) throws CaException, LedgerException, IOException {
    Optional<HostedLedger> running = ledgers.running(ledgerId);
    if (running.isEmpty() || running.get().peers().isEmpty()) {
      return;
    }
    HostedLedger ledger = running.get();
    if (!ledgers.trustsOwnAuthority(ledgerId, ledger.config())) {
      return; // the members' own authority certifies now
    }
    CertificateAuthority authority = ledgers.authority(ledgerId);
    boolean renewed = false;
    synchronized (ledger) {
      for (Map.Entry<String, NodeCertificates> node : ledger.nodeCertificates().entrySet()) {
        Optional<X509Certificate> signing = renewal(authority, node.getValue().signing());
        Optional<X509Certificate> tls = renewal(authority, node.getValue().tls());
        if (signing.isPresent() || tls.isPresent()) {
          ledger.renewCertificates(node.getKey(), signing, tls, authority.chain());
          renewed = true;
        }
      }
    }
    for (Member member : ledger.config().getMembersList()) {
      Optional<X509Certificate> admin = admins.certificate(ledgerId, member.getMspId());
      if (admin.isPresent()) {
        Optional<X509Certificate> renewal = renewal(authority, admin.get());
        if (renewal.isPresent()) {
          admins.replaceCertificate(ledgerId, member.getMspId(), renewal.get());
          renewed = true;
        }
      }
    }
    if (renewed) {
      ledgers.keepCustody(ledgerId);
    }
  }

  /** Renewals of an orderer's certificates, and the chain of the authority that issued them. */
  public record OrdererRenewal(
      Map<BigInteger, X509Certificate> renewed, List<X509Certificate> authorityChain) {
    public OrdererRenewal {
      renewed = Map.copyOf(renewed);
      authorityChain = List.copyOf(authorityChain);
    }
  }

  /**
   * Renews, if due, the certificates {@code serials} of orderer {@code nodeId} of a ledger whose
   * peers run here, for the instance that runs the orderer (cluster mode: orderers run apart from
   * the peers, the authority's key with them). Only the orderer's own certificates are renewed.
   *
   * @throws IllegalArgumentException if the ledger does not run here, trusts another authority, or
   *     a serial is not one of that orderer's certificates
   */
  public OrdererRenewal renewOrderer(String ledgerId, String nodeId, List<BigInteger> serials)
      throws CaException, IOException {
    Optional<HostedLedger> running = ledgers.running(ledgerId);
    if (running.isEmpty()) {
      throw new IllegalArgumentException("ledger " + ledgerId + " does not run here");
    }
    if (!ledgers.trustsOwnAuthority(ledgerId, running.get().config())) {
      throw new IllegalArgumentException(
          "ledger " + ledgerId + " trusts the members' own authority: it renews their orderers");
    }
    CertificateAuthority authority = ledgers.authority(ledgerId);
    Map<BigInteger, X509Certificate> renewed = new LinkedHashMap<>();
    synchronized (running.get()) {
      for (BigInteger serial : serials) {
        IssuedCertificate issued =
            authority
                .find(serial)
                .filter(c -> c.role() == Role.ORDERER && c.commonName().equals(nodeId))
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "certificate "
                                + serial.toString(16)
                                + " is not one of orderer "
                                + nodeId
                                + "'s"));
        renewal(authority, issued.certificate()).ifPresent(c -> renewed.put(serial, c));
      }
    }
    if (!renewed.isEmpty()) {
      ledgers.keepCustody(ledgerId);
    }
    return new OrdererRenewal(renewed, authority.chain());
  }

  /**
   * The certificate to use instead of {@code current} if it is due: the authority's renewal of it
   * (one made before and not yet in use, if a renewal was interrupted).
   */
  private Optional<X509Certificate> renewal(CertificateAuthority authority, X509Certificate current)
      throws CaException {
    if (!due(current)) {
      return Optional.empty();
    }
    Optional<IssuedCertificate> issued = authority.find(current.getSerialNumber());
    if (issued.isEmpty()) {
      return Optional.empty(); // not this authority's
    }
    if (issued.get().isRevoked()) {
      log.warn(
          "certificates.not_renewed serial={} name={} reason=\"revoked\"",
          issued.get().serialHex(),
          issued.get().commonName());
      return Optional.empty();
    }
    IssuedCertificate latest = issued.get();
    while (latest.renewedBy().isPresent()) {
      BigInteger next = latest.renewedBy().get();
      latest = authority.find(next).orElseThrow();
    }
    if (latest.serial().equals(current.getSerialNumber()) || due(latest.certificate())) {
      latest = authority.renew(latest.serial());
    }
    log.info(
        "certificates.renewed serial={} name={} msp={} role={} profile={} renews={}"
            + " not_after={}",
        latest.serialHex(),
        latest.commonName(),
        latest.mspId(),
        latest.role(),
        latest.profile(),
        issued.get().serialHex(),
        latest.notAfter());
    return Optional.of(latest.certificate());
  }

  /** Whether {@code certificate} is inside its renewal window (or past its end). */
  public boolean due(X509Certificate certificate) {
    return !clock.instant().isBefore(certificate.getNotAfter().toInstant().minus(window));
  }
}
