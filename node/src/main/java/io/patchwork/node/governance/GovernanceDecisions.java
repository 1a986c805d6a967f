package io.patchwork.node.governance;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.ca.Pem;
import io.patchwork.governance.Action;
import io.patchwork.governance.Ballot;
import io.patchwork.governance.Choice;
import io.patchwork.governance.GovernanceRules;
import io.patchwork.governance.Proposal;
import io.patchwork.governance.ProposalStatus;
import io.patchwork.governance.Tally;
import io.patchwork.governance.Voter;
import io.patchwork.governance.Votes;
import io.patchwork.node.config.ConfigTransactions;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceDecision;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.LedgerStatus;
import io.patchwork.node.config.proto.Member;
import io.patchwork.node.config.proto.PinnedContract;
import io.patchwork.node.config.proto.RetiringRoot;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.config.proto.VotingPolicy;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.hyperledger.fabric.protos.common.Envelope;

/**
 * Governance decisions on a ledger: a proposal signed by a member admin and the ballots that
 * approved it authorise a config change, in place of admin signatures. Orderers and peers check a
 * decision from the config in force alone — proposer and voters are admins of members now, every
 * ballot is admitted by the governance rules, the tally at the block time is APPROVED, the proposal
 * amends this very config and was not applied before — and the new config must be exactly the
 * proposal's effect ({@link #apply}). So every member decision is in the ledger's config history
 * with its ballots, and anyone holding the blocks can check it again.
 */
public final class GovernanceDecisions {
  private GovernanceDecisions() {}

  /** Why a proposal's effect cannot be applied to a config. */
  public static final class Inapplicable extends Exception {
    private static final long serialVersionUID = 1L;

    Inapplicable(String message) {
      super(message);
    }
  }

  /** A proposal's id: the lower-case hex SHA-256 of its encoded bytes. */
  public static String proposalId(ByteString proposalBytes) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(proposalBytes.toByteArray()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** The governance rules a config sets; majority voting for 24 hours when it sets none. */
  public static GovernanceRules rules(LedgerConfig config) {
    if (!config.hasGovernance() || !config.getGovernance().hasVoting()) {
      return GovernanceRules.majority();
    }
    return new GovernanceRules(
        policy(config.getGovernance().getVoting()),
        config.getGovernance().hasVotingChanges()
            ? Optional.of(policy(config.getGovernance().getVotingChanges()))
            : Optional.empty());
  }

  // ---- for proposers, voters and submitters ----

  /** A proposal signed by its proposer, an admin of a member. */
  public static SignedGovernanceProposal propose(GovernanceProposal proposal, NodeSigner proposer) {
    ByteString bytes = proposal.toByteString();
    return SignedGovernanceProposal.newBuilder()
        .setProposal(bytes)
        .setSigner(proposer.serializedIdentity())
        .setSignature(ByteString.copyFrom(proposer.sign(bytes.toByteArray())))
        .build();
  }

  /** An admin's ballot on a signed proposal, for the admin's own organisation. */
  public static GovernanceBallot vote(
      SignedGovernanceProposal proposal, NodeSigner admin, Choice choice, Instant castAt) {
    GovernanceProposal content = parse(proposal);
    byte[] signed =
        Ballot.signedBytes(
            content.getLedgerId(),
            proposalId(proposal.getProposal()),
            admin.mspId(),
            choice,
            castAt);
    return GovernanceBallot.newBuilder()
        .setVoterMspId(admin.mspId())
        .setChoice(choice.code())
        .setCastAtMillis(castAt.toEpochMilli())
        .setSigner(admin.serializedIdentity())
        .setSignature(ByteString.copyFrom(admin.sign(signed)))
        .build();
  }

  /**
   * The CONFIG envelope that carries out an approved proposal: its effect on {@code current},
   * authorised by the proposal and the ballots in the order they were cast, up to the one that
   * decided it (later ones would be refused: votes close at the decision).
   *
   * @throws Inapplicable if the proposal's effect cannot be applied to {@code current}
   */
  public static Envelope decisionEnvelope(
      LedgerConfig current,
      SignedGovernanceProposal proposal,
      List<GovernanceBallot> ballots,
      NodeSigner submitter,
      Instant at)
      throws Inapplicable {
    GovernanceProposal content = parse(proposal);
    String id = proposalId(proposal.getProposal());
    List<GovernanceBallot> ordered = new ArrayList<>(ballots);
    ordered.sort(
        Comparator.comparingLong(GovernanceBallot::getCastAtMillis)
            .thenComparing(GovernanceBallot::getVoterMspId));
    ordered = upToDecision(current, content, id, ordered, at);
    Instant decidedAt =
        ordered.isEmpty()
            ? at
            : Instant.ofEpochMilli(ordered.get(ordered.size() - 1).getCastAtMillis());
    LedgerConfig next = apply(current, content, id, decidedAt);
    ConfigUpdate update =
        ConfigUpdate.newBuilder()
            .setConfig(next)
            .setDecision(
                GovernanceDecision.newBuilder().setProposal(proposal).addAllBallots(ordered))
            .build();
    return ConfigTransactions.envelope(update, submitter, at);
  }

  private static List<GovernanceBallot> upToDecision(
      LedgerConfig current,
      GovernanceProposal content,
      String id,
      List<GovernanceBallot> ordered,
      Instant at) {
    Proposal proposal;
    try {
      proposal = proposal(content, id, current);
    } catch (IllegalArgumentException e) {
      return ordered; // the ledger will say what is wrong with it
    }
    List<Ballot> counted = new ArrayList<>();
    for (int i = 0; i < ordered.size(); i++) {
      Optional<Ballot> ballot = ballot(ordered.get(i), proposal);
      if (ballot.isEmpty()
          || counted.stream().anyMatch(b -> b.voterMspId().equals(ballot.get().voterMspId()))) {
        return ordered;
      }
      counted.add(ballot.get());
      if (Tally.of(proposal, counted, at).status() != ProposalStatus.IN_PROGRESS) {
        return ordered.subList(0, i + 1);
      }
    }
    return ordered;
  }

  // ---- checking a decision ----

  /**
   * Whether a config update's decision authorises its config, under the rules in force at the block
   * time {@code at}; empty if it does, else why not.
   */
  public static Optional<String> refusal(
      ConfigUpdate update, LedgerRules current, Instant at, SignatureVerifier verifier) {
    Objects.requireNonNull(update, "update");
    if (!update.hasDecision()) {
      return Optional.of("the update carries no governance decision");
    }
    if (update.getSignaturesCount() > 0) {
      return Optional.of("a decision's update carries no admin signatures of its own");
    }
    SignedGovernanceProposal signed = update.getDecision().getProposal();
    GovernanceProposal content;
    try {
      content = GovernanceProposal.parseFrom(signed.getProposal());
    } catch (InvalidProtocolBufferException e) {
      return Optional.of("the proposal cannot be decoded");
    }
    Optional<String> elsewhere = notForThisConfig(content, current);
    if (elsewhere.isPresent()) {
      return elsewhere;
    }
    String id = proposalId(signed.getProposal());
    if (current.config().getDecidedProposalsList().contains(id)) {
      return Optional.of("proposal " + id + " was decided and applied already");
    }
    LedgerVoters voters = new LedgerVoters(current, verifier);
    Optional<String> unsigned = proposerRefusal(signed, content, voters, at);
    if (unsigned.isPresent()) {
      return unsigned;
    }
    Proposal proposal;
    try {
      proposal = proposal(content, id, current);
    } catch (IllegalArgumentException e) {
      return Optional.of("the proposal is malformed: " + e.getMessage());
    }
    List<Ballot> admitted = new ArrayList<>();
    for (GovernanceBallot cast : update.getDecision().getBallotsList()) {
      Optional<Ballot> ballot = ballot(cast, proposal);
      if (ballot.isEmpty()) {
        return Optional.of("a ballot of " + cast.getVoterMspId() + " is malformed");
      }
      if (ballot.get().castAt().isAfter(at.plus(Votes.CLOCK_SKEW))) {
        return Optional.of("the ballot of " + cast.getVoterMspId() + " is dated after the block");
      }
      // Each ballot is judged as the ledger would have judged it when it was cast.
      Votes.Result result =
          Votes.admit(proposal, admitted, ballot.get(), voters, ballot.get().castAt());
      if (!result.accepted()) {
        return Optional.of(
            "the ballot of "
                + cast.getVoterMspId()
                + " is refused: "
                + result.refusal().orElseThrow()
                + ": "
                + result.message());
      }
      admitted.add(ballot.get());
    }
    Tally tally = Tally.of(proposal, admitted, at);
    if (tally.status() != ProposalStatus.APPROVED) {
      return Optional.of(
          "the proposal is "
              + tally.status()
              + ", not approved: "
              + tally.yes()
              + " yes, "
              + tally.no()
              + " no of "
              + tally.eligible()
              + " members");
    }
    Instant decidedAt = admitted.get(admitted.size() - 1).castAt();
    LedgerConfig expected;
    try {
      expected = apply(current.config(), content, id, decidedAt);
    } catch (Inapplicable e) {
      return Optional.of("the approved proposal cannot be applied: " + e.getMessage());
    }
    if (!expected.equals(update.getConfig())) {
      return Optional.of("the config is not the approved proposal's effect on the config in force");
    }
    return Optional.empty();
  }

  /** Why the proposal is not for this ledger and the config in force; empty if it is. */
  static Optional<String> notForThisConfig(GovernanceProposal content, LedgerRules current) {
    if (!content.getLedgerId().equals(current.ledgerId())) {
      return Optional.of("the proposal is for ledger " + content.getLedgerId());
    }
    if (content.getConfigSequence() != current.sequence()) {
      return Optional.of(
          "the proposal amends config "
              + content.getConfigSequence()
              + "; the config in force is "
              + current.sequence()
              + " (another change landed first: propose again)");
    }
    return Optional.empty();
  }

  /** Why the proposal is not a member admin's, dated no later than the block; empty if it is. */
  static Optional<String> proposerRefusal(
      SignedGovernanceProposal signed,
      GovernanceProposal content,
      LedgerVoters voters,
      Instant at) {
    Instant createdAt = Instant.ofEpochMilli(content.getCreatedAtMillis());
    if (createdAt.isAfter(at.plus(Votes.CLOCK_SKEW))) {
      return Optional.of("the proposal is dated " + createdAt + ", after the block time " + at);
    }
    Optional<Voter> proposer = voters.admin(signed.getSigner().toByteArray(), at);
    if (proposer.isEmpty() || !proposer.get().mspId().equals(content.getProposerMspId())) {
      return Optional.of("the proposer is not an admin of " + content.getProposerMspId());
    }
    if (!voters.signed(
        proposer.get(), signed.getProposal().toByteArray(), signed.getSignature().toByteArray())) {
      return Optional.of("the proposal's signature does not verify");
    }
    return Optional.empty();
  }

  /**
   * The library's proposal: policy and electorate from the config it amends (which must be the
   * config in force). Checks the config's governance policy and the action too.
   *
   * @throws IllegalArgumentException if either is malformed
   */
  static Proposal proposal(GovernanceProposal content, String id, LedgerRules current) {
    return proposal(content, id, current.config());
  }

  private static Proposal proposal(GovernanceProposal content, String id, LedgerConfig config) {
    Set<String> members = new java.util.HashSet<>();
    config.getMembersList().forEach(member -> members.add(member.getMspId()));
    return Proposal.open(
        content.getLedgerId(),
        id,
        action(content),
        content.getProposerMspId(),
        Instant.ofEpochMilli(content.getCreatedAtMillis()),
        rules(config),
        members);
  }

  static Optional<Ballot> ballot(GovernanceBallot cast, Proposal proposal) {
    Optional<Choice> choice = Choice.of(cast.getChoice());
    if (choice.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new Ballot(
              proposal.ledgerId(),
              proposal.proposalId(),
              cast.getVoterMspId(),
              choice.get(),
              Instant.ofEpochMilli(cast.getCastAtMillis()),
              cast.getSigner().toByteArray(),
              cast.getSignature().toByteArray()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  // ---- effects ----

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
          replaceCrl(next, proposal.getRemoveMember().getCrl());
        }
      }
      case CHANGE_POLICY -> changePolicy(current, next, proposal.getChangePolicy());
      case UPGRADE_CONTRACT -> upgradeContract(next, proposal.getUpgradeContract());
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
    if (current.getOrderersList().stream().anyMatch(o -> o.getMspId().equals(mspId))) {
      throw new Inapplicable(
          mspId + " runs orderers, and the orderer set of a running ledger is fixed");
    }
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

  /** Puts a CRL in force: it replaces the CRL of the same issuer in every member's entry. */
  private static void replaceCrl(LedgerConfig.Builder next, ByteString der) throws Inapplicable {
    java.security.cert.X509CRL crl = crl(der);
    for (int i = 0; i < next.getMembersCount(); i++) {
      Member.Builder member = next.getMembers(i).toBuilder().clearCrls();
      for (ByteString existing : next.getMembers(i).getCrlsList()) {
        if (!crl(existing).getIssuerX500Principal().equals(crl.getIssuerX500Principal())) {
          member.addCrls(existing);
        }
      }
      next.setMembers(i, member.addCrls(der));
    }
  }

  private static java.security.cert.X509CRL crl(ByteString der) throws Inapplicable {
    try {
      return (java.security.cert.X509CRL)
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
        policy(change.getVoting());
      } catch (IllegalArgumentException e) {
        throw new Inapplicable("the new voting policy is not valid: " + e.getMessage());
      }
      long version = rules(current).voting().version();
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
    } catch (java.security.GeneralSecurityException e) {
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
    } catch (java.security.GeneralSecurityException e) {
      throw new Inapplicable("the new authority's certificate is not self-signed");
    }
    if (certificate.getBasicConstraints() < 0) {
      throw new Inapplicable("the new authority's certificate is not a CA certificate");
    }
    return certificate;
  }

  private static X509Certificate certificate(ByteString pem) throws Inapplicable {
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

  // ---- between the wire format and the governance library ----

  /** The governance library's action for a proposal's. */
  public static Action action(GovernanceProposal proposal) {
    return switch (proposal.getActionCase()) {
      case ADD_MEMBER -> {
        GovernanceProposal.AddMember add = proposal.getAddMember();
        yield new Action.AddMember(
            add.getOrganization(),
            add.getMspId(),
            Set.copyOf(add.getRolesList()),
            add.getNodeQuota());
      }
      case REMOVE_MEMBER -> new Action.RemoveMember(proposal.getRemoveMember().getMspId());
      case CHANGE_POLICY -> {
        GovernanceProposal.ChangePolicy change = proposal.getChangePolicy();
        Optional<Map<String, String>> contracts = Optional.empty();
        if (change.getReplaceContracts()) {
          Map<String, String> pinned = new LinkedHashMap<>();
          for (PinnedContract contract : change.getContractsList()) {
            pinned.put(
                contract.getName(), HexFormat.of().formatHex(contract.getCodeHash().toByteArray()));
          }
          contracts = Optional.of(new TreeMap<>(pinned));
        }
        yield new Action.ChangePolicy(
            change.hasVoting() ? Optional.of(policy(change.getVoting())) : Optional.empty(),
            change.getEndorsingOrganizations() > 0
                ? Optional.of(change.getEndorsingOrganizations())
                : Optional.empty(),
            change.getMaxTransactionsPerBlock() > 0
                ? Optional.of(change.getMaxTransactionsPerBlock())
                : Optional.empty(),
            Optional.empty(),
            contracts);
      }
      case UPGRADE_CONTRACT -> {
        GovernanceProposal.UpgradeContract upgrade = proposal.getUpgradeContract();
        yield new Action.UpgradeContract(
            upgrade.getContract(),
            upgrade.getVersion(),
            HexFormat.of().formatHex(upgrade.getCodeHash().toByteArray()));
      }
      case REPLACE_AUTHORITY -> {
        GovernanceProposal.ReplaceAuthority replace = proposal.getReplaceAuthority();
        byte[] der;
        try {
          der = certificate(replace.getAuthorityCertificate()).getEncoded();
        } catch (Inapplicable | java.security.cert.CertificateEncodingException e) {
          throw new IllegalArgumentException("the new authority's certificate: " + e.getMessage());
        }
        yield new Action.ReplaceAuthority(der, Duration.ofMillis(replace.getGracePeriodMillis()));
      }
      case CLOSE_LEDGER ->
          new Action.CloseLedger(
              proposal.getCloseLedger().getSettlementAsset(), proposal.getCloseLedger().getTerms());
      default -> throw new IllegalArgumentException("the proposal names no action");
    };
  }

  /** The governance library's voting policy for a config's. */
  static io.patchwork.governance.VotingPolicy policy(VotingPolicy policy) {
    return new io.patchwork.governance.VotingPolicy(
        policy.getThresholdPercent(),
        policy.getComparator() == VotingPolicy.Comparator.GREATER_THAN_OR_EQUAL
            ? io.patchwork.governance.VotingPolicy.Comparator.GREATER_THAN_OR_EQUAL
            : io.patchwork.governance.VotingPolicy.Comparator.GREATER_THAN,
        policy.getQuorumPercent(),
        Duration.ofMillis(policy.getDurationMillis()),
        policy.getVersion());
  }

  private static GovernanceProposal parse(SignedGovernanceProposal proposal) {
    try {
      return GovernanceProposal.parseFrom(proposal.getProposal());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("the proposal cannot be decoded", e);
    }
  }
}
