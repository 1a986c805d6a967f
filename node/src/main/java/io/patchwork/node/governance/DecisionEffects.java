package io.patchwork.node.governance;

import com.google.protobuf.ByteString;
import io.patchwork.ca.Crls;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Role;
import io.patchwork.ca.Subjects;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.LedgerStatus;
import io.patchwork.node.config.proto.Member;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.PinnedContract;
import io.patchwork.node.config.proto.RetiringRoot;
import io.patchwork.node.net.CertifiedNames;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * What an approved proposal does to the config in force: members added or removed (with their
 * CRLs), policies changed, the authority replaced with a grace period for the old one, a contract
 * upgraded, the ledger put in CLOSING. Pure: the same proposal on the same config gives the same
 * config on every node.
 */
public final class DecisionEffects {
  /** The most orderers a ledger's ordering group has. */
  private static final int MAX_ORDERERS = 7;

  private DecisionEffects() {}

  /** Why a proposal's effect cannot be applied to a config. */
  public static final class Inapplicable extends Exception {
    private static final long serialVersionUID = 1L;

    Inapplicable(String message) {
      super(message);
    }
  }

  /**
   * The config after the proposal's effect: sequence one higher, the proposal recorded as decided,
   * and its action applied. {@code decidedAt} is when the deciding ballot was cast; a replaced
   * authority's grace period runs from it.
   *
   * @throws Inapplicable if the action cannot apply to this config (a member that is not there, a
   *     change that would leave the ledger unable to endorse, ...)
   */
  public static LedgerConfig apply(
      LedgerConfig current, GovernanceProposal proposal, String id, Instant decidedAt)
      throws Inapplicable {
    LedgerConfig.Builder next =
        current.toBuilder().setSequence(current.getSequence() + 1).addDecidedProposals(id);
    switch (proposal.getActionCase()) {
      case ADD_MEMBER -> addMember(current, next, proposal.getAddMember());
      case REMOVE_MEMBER -> {
        removeMember(current, next, proposal.getRemoveMember().getMspId());
        if (!proposal.getRemoveMember().getCrl().isEmpty()) {
          signedByLedgerAuthority(current, proposal.getRemoveMember().getCrl());
          replaceCrl(next, proposal.getRemoveMember().getCrl());
        }
      }
      case ADD_ORDERER -> addOrderer(current, next, proposal.getAddOrderer().getOrderer());
      case REMOVE_ORDERER -> {
        String nodeId = proposal.getRemoveOrderer().getNodeId();
        if (current.getOrderersList().stream().noneMatch(o -> o.getNodeId().equals(nodeId))) {
          throw new Inapplicable(nodeId + " is not an orderer of this ledger");
        }
        removeOrderers(current, next, o -> o.getNodeId().equals(nodeId));
      }
      case CHANGE_POLICY -> changePolicy(current, next, proposal.getChangePolicy());
      case REVOKE_CERTIFICATES -> revoke(current, next, proposal.getRevokeCertificates().getCrl());
      case UPGRADE_CONTRACT -> {
        upgradeWindowOpen(current, decidedAt);
        upgradeContract(next, proposal.getUpgradeContract());
      }
      case REPLACE_AUTHORITY -> {
        replaceAuthority(current, next, proposal.getReplaceAuthority(), decidedAt);
        replaceCrl(next, proposal.getReplaceAuthority().getCrl());
      }
      case CLOSE_LEDGER -> {
        if (current.getStatus() != LedgerStatus.OPEN) {
          throw new Inapplicable("the ledger is " + current.getStatus() + ", not open");
        }
        next.setStatus(LedgerStatus.CLOSING);
      }
      default -> throw new Inapplicable("the proposal names no action this ledger knows");
    }
    return next.build();
  }

  private static void addMember(
      LedgerConfig current, LedgerConfig.Builder next, GovernanceProposal.AddMember add)
      throws Inapplicable {
    if (current.getMembersList().stream().anyMatch(m -> m.getMspId().equals(add.getMspId()))) {
      throw new Inapplicable(add.getMspId() + " is a member already");
    }
    // Members of a ledger are certified by its authority: the newcomer trusts what they trust.
    Member model = current.getMembers(0);
    next.addMembers(
        Member.newBuilder()
            .setOrganization(add.getOrganization())
            .setMspId(add.getMspId())
            .addAllRootCertificates(model.getRootCertificatesList())
            .addAllIntermediateCertificates(model.getIntermediateCertificatesList())
            .addAllCrls(model.getCrlsList()));
  }

  private static void removeMember(LedgerConfig current, LedgerConfig.Builder next, String mspId)
      throws Inapplicable {
    int index = -1;
    for (int i = 0; i < current.getMembersCount(); i++) {
      if (current.getMembers(i).getMspId().equals(mspId)) {
        index = i;
      }
    }
    if (index < 0) {
      throw new Inapplicable(mspId + " is not a member");
    }
    if (current.getMembersCount() == 1) {
      throw new Inapplicable("the last member cannot be removed");
    }
    // Its orderers go with it, as long as the ordering group keeps its majority.
    removeOrderers(current, next, o -> o.getMspId().equals(mspId));
    EndorsementPolicy policy = current.getEndorsementPolicy();
    if (policy.getRule() == EndorsementPolicy.Rule.AT_LEAST
        && policy.getCount() > current.getMembersCount() - 1) {
      throw new Inapplicable(
          "the endorsement policy needs "
              + policy.getCount()
              + " organisations; without "
              + mspId
              + " there would be "
              + (current.getMembersCount() - 1));
    }
    next.removeMembers(index);
    next.clearPeers();
    current.getPeersList().stream()
        .filter(peer -> !peer.getMspId().equals(mspId))
        .forEach(next::addPeers);
  }

  /**
   * Adds a member's orderer. Its certificates must be its member's, issued under the member's roots
   * (signing: role orderer; TLS: naming the host others reach it at), so that peers take its blocks
   * and orderers its Raft traffic.
   */
  private static void addOrderer(LedgerConfig current, LedgerConfig.Builder next, Orderer added)
      throws Inapplicable {
    Member member =
        current.getMembersList().stream()
            .filter(m -> m.getMspId().equals(added.getMspId()))
            .findFirst()
            .orElseThrow(() -> new Inapplicable(added.getMspId() + " is not a member"));
    String id = added.getNodeId();
    if (current.getOrderersList().stream().anyMatch(o -> o.getNodeId().equals(id))
        || current.getPeersList().stream().anyMatch(p -> p.getNodeId().equals(id))) {
      throw new Inapplicable("node id " + id + " is taken");
    }
    if (current.getOrderersCount() >= MAX_ORDERERS) {
      throw new Inapplicable("the ordering group has " + MAX_ORDERERS + " orderers, the most");
    }
    if (added.getHost().isBlank()
        || added.getPort() < 1
        || added.getPort() > 65535
        || added.getRaftPort() < 1
        || added.getRaftPort() > 65535
        || added.getPort() == added.getRaftPort()) {
      throw new Inapplicable("orderer " + id + " needs a host and two different ports");
    }
    X509Certificate signing = certificate(added.getSigningCertificate());
    X509Certificate tls = certificate(added.getTlsCertificate());
    for (X509Certificate certificate : List.of(signing, tls)) {
      if (!Subjects.mspIdOf(certificate).equals(Optional.of(added.getMspId()))
          || !issuedUnder(certificate, member)) {
        throw new Inapplicable(
            "orderer "
                + id
                + "'s certificates must be issued to "
                + added.getMspId()
                + " under its roots");
      }
    }
    if (!Subjects.roleOf(signing).equals(Optional.of(Role.ORDERER))) {
      throw new Inapplicable("orderer " + id + "'s signing certificate is not an orderer's");
    }
    if (!CertifiedNames.covers(tls, added.getHost())) {
      throw new Inapplicable(
          "orderer "
              + id
              + " is reached at "
              + added.getHost()
              + ", but its TLS certificate names only "
              + CertifiedNames.of(tls));
    }
    next.addOrderers(added);
  }

  /** Whether one of the member's roots or intermediates signed {@code certificate}. */
  private static boolean issuedUnder(X509Certificate certificate, Member member)
      throws Inapplicable {
    List<ByteString> issuers = new ArrayList<>(member.getRootCertificatesList());
    issuers.addAll(member.getIntermediateCertificatesList());
    for (ByteString pem : issuers) {
      X509Certificate issuer = certificate(pem);
      if (!issuer.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
        continue;
      }
      try {
        certificate.verify(issuer.getPublicKey());
        return true;
      } catch (GeneralSecurityException e) {
        // not this one
      }
    }
    return false;
  }

  /**
   * Takes the orderers {@code leaving} names out of the config. Raft keeps working through a
   * membership change only while a majority of the current group stays, so the orderers left must
   * be more than half of those there are.
   */
  private static void removeOrderers(
      LedgerConfig current, LedgerConfig.Builder next, Predicate<Orderer> leaving)
      throws Inapplicable {
    List<Orderer> staying = current.getOrderersList().stream().filter(leaving.negate()).toList();
    int removed = current.getOrderersCount() - staying.size();
    if (removed == 0) {
      return;
    }
    if (staying.size() <= current.getOrderersCount() / 2) {
      throw new Inapplicable(
          "removing "
              + removed
              + " of the ledger's "
              + current.getOrderersCount()
              + " orderers would leave "
              + staying.size()
              + ", not a majority of the ordering group: Raft would lose its quorum."
              + " Add orderers first, or remove fewer at a time");
    }
    next.clearOrderers().addAllOrderers(staying);
  }

  /**
   * Puts a CRL in force: it replaces the CRL of the same issuer in every member's entry. It must
   * not take a revocation back nor be older than the one it replaces: it lists every serial that
   * one lists, and has a higher CRL number.
   */
  private static void replaceCrl(LedgerConfig.Builder next, ByteString der) throws Inapplicable {
    X509CRL crl = crl(der);
    for (int i = 0; i < next.getMembersCount(); i++) {
      Member.Builder member = next.getMembers(i).toBuilder().clearCrls();
      for (ByteString existing : next.getMembers(i).getCrlsList()) {
        X509CRL old = crl(existing);
        if (!old.getIssuerX500Principal().equals(crl.getIssuerX500Principal())) {
          member.addCrls(existing);
        } else if (!existing.equals(der)) {
          supersedes(crl, old);
        }
      }
      next.setMembers(i, member.addCrls(der));
    }
  }

  private static void supersedes(X509CRL crl, X509CRL old) throws Inapplicable {
    Optional<BigInteger> number = Crls.number(crl);
    Optional<BigInteger> oldNumber = Crls.number(old);
    if (number.isPresent()
        && oldNumber.isPresent()
        && number.get().compareTo(oldNumber.get()) <= 0) {
      throw new Inapplicable(
          "the CRL is number "
              + number.get()
              + ", not newer than the one in force (number "
              + oldNumber.get()
              + ")");
    }
    Set<BigInteger> dropped = new TreeSet<>(Crls.revokedSerials(old));
    dropped.removeAll(Crls.revokedSerials(crl));
    if (!dropped.isEmpty()) {
      throw new Inapplicable(
          "the CRL would take back "
              + dropped.size()
              + " revocation(s) in force, serial "
              + dropped.iterator().next().toString(16)
              + " first");
    }
  }

  /**
   * The config in force with {@code crl} put in force in place of its issuer's, at the next
   * sequence: what a vote to revoke certificates decides, and what a member's revocation of its own
   * certificates asks ({@link io.patchwork.node.update.ConfigUpdateCheck}).
   *
   * @throws Inapplicable unless the CRL is signed by an authority of the ledger, newer than the one
   *     in force, takes no revocation back and revokes a certificate that is not revoked yet
   */
  public static LedgerConfig withRevocations(LedgerConfig current, ByteString crl)
      throws Inapplicable {
    LedgerConfig.Builder next = current.toBuilder().setSequence(current.getSequence() + 1);
    revoke(current, next, crl);
    return next.build();
  }

  private static void revoke(LedgerConfig current, LedgerConfig.Builder next, ByteString crl)
      throws Inapplicable {
    signedByLedgerAuthority(current, crl);
    if (newlyRevoked(current, crl).isEmpty()) {
      throw new Inapplicable("the CRL revokes no certificate that is not revoked already");
    }
    replaceCrl(next, crl);
  }

  /** The serials {@code crl} revokes that the CRL in force of the same issuer does not. */
  public static Set<BigInteger> newlyRevoked(LedgerConfig current, ByteString der)
      throws Inapplicable {
    X509CRL crl = crl(der);
    Set<BigInteger> revoked = new TreeSet<>(Crls.revokedSerials(crl));
    for (Member member : current.getMembersList()) {
      for (ByteString existing : member.getCrlsList()) {
        X509CRL old = crl(existing);
        if (old.getIssuerX500Principal().equals(crl.getIssuerX500Principal())) {
          revoked.removeAll(Crls.revokedSerials(old));
        }
      }
    }
    return revoked;
  }

  /**
   * The authority of the ledger (a root or intermediate it trusts now) that signed {@code der}.
   *
   * @throws Inapplicable if none did
   */
  public static X509Certificate signedByLedgerAuthority(LedgerConfig current, ByteString der)
      throws Inapplicable {
    X509CRL crl = crl(der);
    for (Member member : current.getMembersList()) {
      List<ByteString> authorities = new ArrayList<>(member.getRootCertificatesList());
      authorities.addAll(member.getIntermediateCertificatesList());
      for (ByteString pem : authorities) {
        X509Certificate authority = certificate(pem);
        if (authority.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
          try {
            crl.verify(authority.getPublicKey());
            return authority;
          } catch (GeneralSecurityException e) {
            // Another authority of the same name, or a forged CRL: try the others.
          }
        }
      }
    }
    throw new Inapplicable("the CRL is not signed by an authority of this ledger");
  }

  private static X509CRL crl(ByteString der) throws Inapplicable {
    try {
      return (X509CRL)
          java.security.cert.CertificateFactory.getInstance("X.509").generateCRL(der.newInput());
    } catch (java.security.cert.CRLException | java.security.cert.CertificateException e) {
      throw new Inapplicable("the CRL cannot be read: " + e.getMessage());
    }
  }

  private static void changePolicy(
      LedgerConfig current, LedgerConfig.Builder next, GovernanceProposal.ChangePolicy change)
      throws Inapplicable {
    if (change.hasVoting()) {
      try {
        GovernanceEncoding.policy(change.getVoting());
      } catch (IllegalArgumentException e) {
        throw new Inapplicable("the new voting policy is not valid: " + e.getMessage());
      }
      long version = GovernanceEncoding.rules(current).voting().version();
      if (change.getVoting().getVersion() != version + 1) {
        throw new Inapplicable("the new voting policy must be version " + (version + 1) + " of it");
      }
      next.setGovernance(current.getGovernance().toBuilder().setVoting(change.getVoting()));
    }
    if (change.getEndorsingOrganizations() > 0) {
      if (change.getEndorsingOrganizations() > current.getMembersCount()) {
        throw new Inapplicable(
            "an endorsement cannot need more than the "
                + current.getMembersCount()
                + " member organisations");
      }
      next.setEndorsementPolicy(
          EndorsementPolicy.newBuilder()
              .setRule(EndorsementPolicy.Rule.AT_LEAST)
              .setCount(change.getEndorsingOrganizations()));
    }
    if (change.getMaxTransactionsPerBlock() > 0) {
      next.setBlockCutting(
          current.getBlockCutting().toBuilder()
              .setMaxTransactions(change.getMaxTransactionsPerBlock()));
    }
    if (change.getReplaceContracts()) {
      next.clearContracts().addAllContracts(change.getContractsList());
    }
    if (change.hasCommitStatus()) {
      try {
        LedgerRules.checkCommitStatus(change.getCommitStatus());
      } catch (ConfigException e) {
        throw new Inapplicable(e.getMessage());
      }
      next.setCommitStatus(change.getCommitStatus());
    }
  }

  /**
   * The new authority's root becomes every member's trust root; every current root is trusted only
   * until the grace period after the decision ends.
   */
  private static void replaceAuthority(
      LedgerConfig current,
      LedgerConfig.Builder next,
      GovernanceProposal.ReplaceAuthority replace,
      Instant decidedAt)
      throws Inapplicable {
    X509Certificate newRoot = selfSignedAuthority(replace.getAuthorityCertificate());
    // Revocation is checked wherever the ledger knows CRLs (it knows the old authority's): an
    // authority without one would have every certificate it issues refused at the TLS handshake.
    if (replace.getCrl().isEmpty()) {
      throw new Inapplicable(
          "the proposal must carry the new authority's CRL, or no certificate it issues can be"
              + " checked for revocation");
    }
    try {
      crl(replace.getCrl()).verify(newRoot.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new Inapplicable("the CRL is not signed by the new authority");
    }
    ByteString newPem =
        ByteString.copyFrom(Pem.certificate(newRoot), java.nio.charset.StandardCharsets.US_ASCII);
    Map<ByteString, ByteString> oldRoots = new LinkedHashMap<>();
    for (Member member : current.getMembersList()) {
      for (ByteString pem : member.getRootCertificatesList()) {
        X509Certificate root = certificate(pem);
        oldRoots.putIfAbsent(der(root), pem);
      }
    }
    if (oldRoots.containsKey(der(newRoot))) {
      throw new Inapplicable("the new authority is a trust root of this ledger already");
    }
    Instant until = decidedAt.plusMillis(replace.getGracePeriodMillis());
    Set<ByteString> alreadyRetiring = new java.util.HashSet<>();
    for (RetiringRoot retiring : current.getRetiringRootsList()) {
      alreadyRetiring.add(der(certificate(retiring.getCertificate())));
    }
    for (int i = 0; i < next.getMembersCount(); i++) {
      next.setMembers(i, next.getMembers(i).toBuilder().addRootCertificates(newPem));
    }
    for (Map.Entry<ByteString, ByteString> old : oldRoots.entrySet()) {
      if (!alreadyRetiring.contains(old.getKey())) {
        next.addRetiringRoots(
            RetiringRoot.newBuilder()
                .setCertificate(old.getValue())
                .setTrustedUntilMillis(until.toEpochMilli()));
      }
    }
  }

  private static X509Certificate selfSignedAuthority(ByteString pem) throws Inapplicable {
    X509Certificate certificate = certificate(pem);
    try {
      certificate.verify(certificate.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new Inapplicable("the new authority's certificate is not self-signed");
    }
    if (certificate.getBasicConstraints() < 0) {
      throw new Inapplicable("the new authority's certificate is not a CA certificate");
    }
    return certificate;
  }

  static X509Certificate certificate(ByteString pem) throws Inapplicable {
    try {
      List<X509Certificate> certificates =
          Pem.readCertificates(pem.toString(java.nio.charset.StandardCharsets.US_ASCII));
      if (certificates.size() != 1) {
        throw new Inapplicable("expected exactly one PEM certificate");
      }
      return certificates.get(0);
    } catch (java.security.cert.CertificateException e) {
      throw new Inapplicable("a certificate cannot be read: " + e.getMessage());
    }
  }

  private static ByteString der(X509Certificate certificate) throws Inapplicable {
    try {
      return ByteString.copyFrom(certificate.getEncoded());
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new Inapplicable("a certificate cannot be encoded");
    }
  }

  /**
   * Until when contracts may be upgraded, if the ledger limits it: from genesis for the template's
   * upgrade window.
   */
  public static Optional<Instant> upgradesUntil(LedgerConfig config) {
    return config.getLifecycle().getUpgradesUntilMillis() > 0
        ? Optional.of(Instant.ofEpochMilli(config.getLifecycle().getUpgradesUntilMillis()))
        : Optional.empty();
  }

  private static void upgradeWindowOpen(LedgerConfig current, Instant decidedAt)
      throws Inapplicable {
    Optional<Instant> until = upgradesUntil(current);
    if (until.isPresent() && decidedAt.isAfter(until.get())) {
      throw new Inapplicable(
          "UPGRADE_WINDOW_CLOSED: the ledger's contracts could be upgraded until "
              + until.get()
              + "; a successor ledger can run new code");
    }
  }

  private static void upgradeContract(
      LedgerConfig.Builder next, GovernanceProposal.UpgradeContract upgrade) throws Inapplicable {
    for (int i = 0; i < next.getContractsCount(); i++) {
      if (next.getContracts(i).getName().equals(upgrade.getContract())) {
        next.setContracts(
            i,
            PinnedContract.newBuilder()
                .setName(upgrade.getContract())
                .setCodeHash(upgrade.getCodeHash()));
        return;
      }
    }
    throw new Inapplicable("contract " + upgrade.getContract() + " is not pinned on this ledger");
  }
}
