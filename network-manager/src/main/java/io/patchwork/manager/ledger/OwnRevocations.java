package io.patchwork.manager.ledger;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.ca.CaError;
import io.patchwork.ca.CaException;
import io.patchwork.ca.IssuedCertificate;
import io.patchwork.ca.Pem;
import io.patchwork.ca.RevocationReason;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.error.Refusal;
import io.patchwork.node.api.Commit;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.LedgerException;
import io.patchwork.node.api.MemberMessages;
import io.patchwork.node.api.NodeCertificates;
import io.patchwork.node.config.proto.ConfigSignature;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.crypto.NodeSigner;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member revokes one of its own certificates at once, without a vote (a lost laptop, a leaked
 * client key): a config update that puts the authority's CRL with the certificate added in force,
 * signed by one admin of the member — the hosted one, or the member's own on its side — and
 * carrying the certificate so that every node sees whose it is. Every node checks it again ({@code
 * HolderRevocation} in config.proto). Once committed the authority records the revocation, so the
 * CRL it serves lists it too.
 *
 * <p>Certificates the manager uses itself — its nodes' and the hosted admins' — are refused: a node
 * or admin identity revoked under the manager would stop working, not be replaced.
 */
final class OwnRevocations {
  private static final Logger log = LoggerFactory.getLogger(OwnRevocations.class);
  private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(30);
  private static final int MAX_LISTED = 1_000;

  private final LedgerService ledgers;
  private final HostedAdmins hostedAdmins;
  private final MemberRemovals removals;
  private final Clock clock;

  OwnRevocations(
      LedgerService ledgers, HostedAdmins hostedAdmins, MemberRemovals removals, Clock clock) {
    this.ledgers = Objects.requireNonNull(ledgers, "ledgers");
    this.hostedAdmins = Objects.requireNonNull(hostedAdmins, "hostedAdmins");
    this.removals = Objects.requireNonNull(removals, "removals");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The update revoking a certificate, for an admin of its holder to sign. */
  record Prepared(IssuedCertificate certificate, X509CRL crl, LedgerConfig next) {}

  /**
   * The config that revokes {@code serialHex}, one of {@code mspId}'s certificates.
   *
   * @throws Refusal MALFORMED_REQUEST for a serial that is not hex, FORBIDDEN for another
   *     organisation's certificate, CERTIFICATE_IN_USE for one the manager uses,
   *     AUTHORITY_REPLACED, LEDGER_NOT_FOUND / LEDGER_NOT_ACTIVE
   * @throws CaException CERTIFICATE_NOT_FOUND, ALREADY_REVOKED
   */
  Prepared prepare(String ledgerId, String mspId, String serialHex, RevocationReason reason)
      throws Refusal, SQLException, CaException {
    BigInteger serial = CertificateInventory.serial(serialHex);
    HostedLedger ledger = ledgers.activeLedger(ledgerId);
    LedgerConfig config = ledger.config();
    ledgers.requireOwnAuthority(ledgerId, config);
    IssuedCertificate certificate = ownCertificate(ledger, mspId, serial);
    if (certificate.isRevoked()) {
      throw new CaException(
          CaError.ALREADY_REVOKED, "certificate " + certificate.serialHex() + " is revoked");
    }
    X509CRL crl = ledgers.authority(ledgerId).prospectiveCrl(List.of(serial), reason);
    try {
      return new Prepared(
          certificate, crl, MemberMessages.withRevocations(config, crl.getEncoded()));
    } catch (CRLException | IllegalArgumentException e) {
      throw new Refusal(
          ApiError.REVOCATION_REFUSED,
          "the ledger would not put the authority's CRL in force: " + e.getMessage());
    }
  }

  /** Revokes with the admin identity {@code mspId} keeps here. */
  LedgerGovernance.OwnRevocation revokeAsHosted(
      String ledgerId, String mspId, Prepared prepared, NodeSigner admin)
      throws Refusal, SQLException {
    return submit(
        ledgers.activeLedger(ledgerId),
        mspId,
        prepared.certificate(),
        prepared.crl(),
        prepared.next(),
        MemberMessages.signConfig(prepared.next(), admin));
  }

  /**
   * Revokes with a signature an admin of {@code mspId} made on its side over {@code next} (from
   * {@link #prepare}).
   *
   * @throws Refusal FORBIDDEN if the signature is not made for {@code mspId}, MALFORMED_REQUEST if
   *     {@code next} does not revoke {@code serialHex}; as {@link #prepare}; REVOCATION_REFUSED
   */
  LedgerGovernance.OwnRevocation revokeSigned(
      String ledgerId, String mspId, String serialHex, LedgerConfig next, ConfigSignature signature)
      throws Refusal, SQLException, CaException {
    BigInteger serial = CertificateInventory.serial(serialHex);
    String signer = signerMsp(signature);
    if (!signer.equals(mspId)) {
      throw new Refusal(
          ApiError.FORBIDDEN,
          "an admin of " + mspId + " cannot hand in a signature made for " + signer);
    }
    HostedLedger ledger = ledgers.activeLedger(ledgerId);
    X509CRL crl = newCrl(ledger.config(), next);
    if (crl.getRevokedCertificate(serial) == null) {
      throw Refusal.malformed("config", "a config whose new CRL revokes certificate " + serialHex);
    }
    ledgers.requireOwnAuthority(ledgerId, ledger.config());
    return submit(ledger, mspId, ownCertificate(ledger, mspId, serial), crl, next, signature);
  }

  /** Commits {@code next}, which puts {@code crl} in force, and records it at the authority. */
  private LedgerGovernance.OwnRevocation submit(
      HostedLedger ledger,
      String mspId,
      IssuedCertificate certificate,
      X509CRL crl,
      LedgerConfig next,
      ConfigSignature signature)
      throws Refusal, SQLException {
    String ledgerId = ledger.ledgerId();
    List<String> open = new ArrayList<>();
    for (String id : ledger.proposalIds(MAX_LISTED)) {
      if (ledger.tally(id, clock.instant()).isPresent()) {
        open.add(id);
      }
    }
    Commit committed;
    try {
      committed =
          ledger.update(
              mspId,
              MemberMessages.holderRevocation(
                  next, List.of(signature), List.of(Pem.certificate(certificate.certificate()))),
              COMMIT_TIMEOUT);
    } catch (LedgerException e) {
      throw switch (e.error()) {
        case REFUSED, INVALID ->
            new Refusal(
                ApiError.REVOCATION_REFUSED,
                "the ledger's nodes refuse the revocation: " + e.getMessage());
        case NO_HOSTED_NODE -> new Refusal(ApiError.NO_HOSTED_PEER, e.getMessage());
        default ->
            new Refusal(
                ApiError.LEDGER_UNAVAILABLE,
                "the revocation could not be committed: " + e.getMessage());
      };
    }
    removals.revokeDecided(ledger, crl);
    log.info(
        "certificate.revoked_by_holder ledger={} serial={} msp={} role={} block={}"
            + " lapsed_proposals={}",
        ledgerId,
        certificate.serialHex(),
        mspId,
        certificate.role(),
        committed.blockNumber(),
        open.size());
    return new LedgerGovernance.OwnRevocation(
        certificate.serialHex(), committed.blockNumber(), next.getSequence(), open);
  }

  /**
   * The certificate {@code serial}, if it is {@code mspId}'s and no node or hosted admin of the
   * manager uses it.
   *
   * @throws Refusal FORBIDDEN, CERTIFICATE_IN_USE
   * @throws CaException CERTIFICATE_NOT_FOUND
   */
  private IssuedCertificate ownCertificate(HostedLedger ledger, String mspId, BigInteger serial)
      throws Refusal, CaException {
    IssuedCertificate certificate = ledgers.certificate(ledger.ledgerId(), serial);
    if (!certificate.mspId().equals(mspId)) {
      throw new Refusal(
          ApiError.FORBIDDEN,
          "certificate "
              + certificate.serialHex()
              + " is "
              + certificate.mspId()
              + "'s: without a vote an admin of "
              + mspId
              + " revokes only its own organisation's (propose REVOKE_CERTIFICATES for others)");
    }
    refuseInUse(ledger, ledger.ledgerId(), mspId, certificate);
    return certificate;
  }

  /** Refuses to revoke a certificate one of the manager's nodes or hosted admins uses now. */
  private void refuseInUse(
      HostedLedger ledger, String ledgerId, String mspId, IssuedCertificate certificate)
      throws Refusal {
    X509Certificate revoked = certificate.certificate();
    for (Map.Entry<String, NodeCertificates> node : ledger.nodeCertificates().entrySet()) {
      if (node.getValue().signing().equals(revoked) || node.getValue().tls().equals(revoked)) {
        throw new Refusal(
            ApiError.CERTIFICATE_IN_USE,
            "certificate "
                + certificate.serialHex()
                + " is node "
                + node.getKey()
                + "'s, which runs here: a member revokes its hosted nodes' certificates by"
                + " vote (REVOKE_CERTIFICATES), once they no longer need them");
      }
    }
    Optional<NodeSigner> admin;
    try {
      admin = hostedAdmins.signer(ledgerId, mspId);
    } catch (CaException | IOException e) {
      admin = Optional.empty();
    }
    if (admin.isPresent() && admin.get().certificate().equals(revoked)) {
      throw new Refusal(
          ApiError.CERTIFICATE_IN_USE,
          "certificate "
              + certificate.serialHex()
              + " is the admin identity "
              + mspId
              + " keeps here, which would sign its own revocation and then no more");
    }
  }

  /** The one CRL {@code next} puts in force that the config in force does not have. */
  private static X509CRL newCrl(LedgerConfig current, LedgerConfig next) throws Refusal {
    List<ByteString> added = new ArrayList<>();
    if (next.getMembersCount() > 0 && current.getMembersCount() > 0) {
      for (ByteString crl : next.getMembers(0).getCrlsList()) {
        if (!current.getMembers(0).getCrlsList().contains(crl)) {
          added.add(crl);
        }
      }
    }
    if (added.size() != 1) {
      throw Refusal.malformed(
          "config", "the config in force with one new CRL (ask GET …/revocation for it again)");
    }
    try {
      return (X509CRL)
          CertificateFactory.getInstance("X.509")
              .generateCRL(new ByteArrayInputStream(added.get(0).toByteArray()));
    } catch (CertificateException | CRLException e) {
      throw Refusal.malformed("config", "a config whose new CRL can be read");
    }
  }

  private static String signerMsp(ConfigSignature signature) throws Refusal {
    try {
      return SerializedIdentity.parseFrom(
              SignatureHeader.parseFrom(signature.getSignatureHeader()).getCreator())
          .getMspid();
    } catch (InvalidProtocolBufferException e) {
      throw Refusal.malformed("signature", "a ConfigSignature whose header names its signer");
    }
  }
}
