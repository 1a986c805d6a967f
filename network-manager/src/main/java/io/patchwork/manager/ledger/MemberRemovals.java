package io.patchwork.manager.ledger;

import io.patchwork.ca.CaError;
import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.IssuedCertificate;
import io.patchwork.ca.RevocationReason;
import io.patchwork.ca.Role;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.error.Refusal;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.LedgerException;
import io.patchwork.node.config.proto.LedgerConfig;
import java.math.BigInteger;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What removing a member does beyond the config change: before the vote, the CRL the proposal
 * carries (the ledger's authority's CRL with the member's certificates added, so that every node
 * refuses them from the decision's block, at the TLS handshake too); after the decision, the
 * member's certificates revoked at the authority (the CRL it serves lists them) and its peers here
 * stopped and deleted.
 */
final class MemberRemovals {
  private static final Logger log = LoggerFactory.getLogger(MemberRemovals.class);

  private final LedgerService ledgers;
  private final Clock clock;

  MemberRemovals(LedgerService ledgers, Clock clock) {
    this.ledgers = Objects.requireNonNull(ledgers, "ledgers");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The CRL a proposal to remove {@code mspId} carries: signed by the ledger's authority, it lists
   * what is revoked now and every certificate of the member that has not expired but its orderers'
   * (an orderer voted out with its member takes part in Raft until the group no longer holds it —
   * as a leader it hands its leadership over — so its TLS certificate must pass until then; the
   * authority revokes those at the decision, and a later CRL carries them); nothing is revoked
   * until the decision.
   *
   * @throws Refusal NOT_A_MEMBER, AUTHORITY_REPLACED (the members' own authority revokes), or
   *     LEDGER_NOT_FOUND / LEDGER_NOT_ACTIVE
   */
  X509CRL removalCrl(String ledgerId, String mspId) throws Refusal, SQLException, CaException {
    HostedLedger ledger = ledgers.activeLedger(ledgerId);
    LedgerConfig config = ledger.config();
    if (config.getMembersList().stream().noneMatch(m -> m.getMspId().equals(mspId))) {
      throw new Refusal(ApiError.NOT_A_MEMBER, mspId + " is not a member of ledger " + ledgerId);
    }
    ledgers.requireOwnAuthority(ledgerId, config);
    CertificateAuthority authority = ledgers.authority(ledgerId);
    return authority.prospectiveCrl(
        serials(authority, mspId, role -> role != Role.ORDERER),
        RevocationReason.CESSATION_OF_OPERATION);
  }

  /**
   * The CRL a proposal to revoke {@code serials} carries: signed by the ledger's authority, what it
   * revokes now and these; nothing is revoked until the decision.
   *
   * @throws Refusal AUTHORITY_REPLACED, LEDGER_NOT_FOUND / LEDGER_NOT_ACTIVE, MALFORMED_REQUEST for
   *     no serial
   * @throws CaException CERTIFICATE_NOT_FOUND or ALREADY_REVOKED for a serial
   */
  X509CRL revocationCrl(String ledgerId, List<BigInteger> serials, RevocationReason reason)
      throws Refusal, SQLException, CaException {
    if (serials.isEmpty()) {
      throw Refusal.malformed("serials", "name at least one certificate to revoke");
    }
    HostedLedger ledger = ledgers.activeLedger(ledgerId);
    ledgers.requireOwnAuthority(ledgerId, ledger.config());
    CertificateAuthority authority = ledgers.authority(ledgerId);
    for (BigInteger serial : serials) {
      IssuedCertificate certificate = ledgers.certificate(ledgerId, serial);
      if (certificate.isRevoked()) {
        throw new CaException(
            CaError.ALREADY_REVOKED, "certificate " + certificate.serialHex() + " is revoked");
      }
    }
    return authority.prospectiveCrl(serials, reason);
  }

  /**
   * Records at the authority the revocations a decided RevokeCertificates put in force (what its
   * CRL lists that the authority has not revoked yet), so the CRL it serves lists them too.
   */
  void revokeDecided(HostedLedger ledger, X509CRL decided) {
    String ledgerId = ledger.ledgerId();
    try {
      if (!ledgers.trustsOwnAuthority(ledgerId, ledger.config())) {
        return;
      }
      CertificateAuthority authority = ledgers.authority(ledgerId);
      Map<BigInteger, RevocationReason> wanted = new LinkedHashMap<>();
      if (decided.getRevokedCertificates() != null) {
        for (X509CRLEntry entry : decided.getRevokedCertificates()) {
          if (authority.find(entry.getSerialNumber()).filter(c -> !c.isRevoked()).isPresent()) {
            wanted.put(entry.getSerialNumber(), reason(entry));
          }
        }
      }
      Map<RevocationReason, List<BigInteger>> byReason = new LinkedHashMap<>();
      wanted.forEach(
          (serial, why) -> byReason.computeIfAbsent(why, r -> new ArrayList<>()).add(serial));
      for (Map.Entry<RevocationReason, List<BigInteger>> batch : byReason.entrySet()) {
        authority.revoke(batch.getValue(), batch.getKey());
      }
      ledgers.keepCustody(ledgerId);
      log.info("ledger.certificates_revoked ledger={} count={}", ledgerId, wanted.size());
    } catch (CaException e) {
      log.error(
          "ledger.certificates_not_revoked ledger={} reason=\"{}\" hint=\"the ledger's config"
              + " refuses them already; the CRL served by the API does not list them yet\"",
          ledgerId,
          e.getMessage());
    }
  }

  private static RevocationReason reason(X509CRLEntry entry) {
    if (entry.getRevocationReason() == null) {
      return RevocationReason.UNSPECIFIED;
    }
    for (RevocationReason reason : RevocationReason.values()) {
      if (reason.name().equals(entry.getRevocationReason().name())) {
        return reason;
      }
    }
    return RevocationReason.UNSPECIFIED;
  }

  /** Whether a removal proposal for this ledger must carry the manager's authority's CRL. */
  boolean crlRequired(String ledgerId, LedgerConfig config) throws CaException {
    return ledgers.trustsOwnAuthority(ledgerId, config);
  }

  /**
   * Carries out what the decision to remove {@code mspId} leaves to the manager: revokes the
   * member's certificates at the authority and stops and deletes its peers here. The decision
   * stands whatever happens here: a failure is logged with what to do.
   */
  void evict(HostedLedger ledger, String mspId) {
    String ledgerId = ledger.ledgerId();
    int revoked = 0;
    List<String> retired = List.of();
    try {
      retired = ledger.retireMemberPeers(mspId);
      retired.forEach(node -> ledgers.metrics().forgetNode(ledgerId, node));
    } catch (LedgerException e) {
      log.error(
          "ledger.member_peers_not_retired ledger={} msp={} reason=\"{}\" hint=\"stop the peers"
              + " and delete their folders under the ledger's credentials and nodes directories\"",
          ledgerId,
          mspId,
          e.getMessage());
    }
    try {
      if (ledgers.trustsOwnAuthority(ledgerId, ledger.config())) {
        CertificateAuthority authority = ledgers.authority(ledgerId);
        List<BigInteger> serials = serials(authority, mspId, role -> true);
        if (!serials.isEmpty()) {
          revoked = authority.revoke(serials, RevocationReason.CESSATION_OF_OPERATION).size();
        }
      }
    } catch (CaException e) {
      log.error(
          "ledger.member_certificates_not_revoked ledger={} msp={} reason=\"{}\" hint=\"the"
              + " ledger's config refuses them already; the CRL served by the API does not list"
              + " them yet\"",
          ledgerId,
          mspId,
          e.getMessage());
    }
    ledgers.keepCustody(ledgerId);
    log.info(
        "ledger.member_evicted ledger={} msp={} peers_retired={} certificates_revoked={}",
        ledgerId,
        mspId,
        retired,
        revoked);
  }

  /** The member's certificates of the given roles that are neither revoked nor expired. */
  private List<BigInteger> serials(
      CertificateAuthority authority, String mspId, Predicate<Role> roles) throws CaException {
    return authority.inventory().stream()
        .filter(c -> c.mspId().equals(mspId))
        .filter(c -> roles.test(c.role()))
        .filter(c -> !c.isRevoked())
        .filter(c -> c.notAfter().isAfter(clock.instant()))
        .map(IssuedCertificate::serial)
        .toList();
  }
}
