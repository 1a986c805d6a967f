package io.patchwork.manager.ledger;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.ca.CaException;
import io.patchwork.ca.RevocationReason;
import io.patchwork.governance.Choice;
import io.patchwork.governance.ProposalStatus;
import io.patchwork.governance.Tally;
import io.patchwork.manager.access.ApiTokens;
import io.patchwork.manager.access.Principal;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.error.Refusal;
import io.patchwork.node.api.Commit;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.LedgerException;
import io.patchwork.node.api.MemberMessages;
import io.patchwork.node.config.proto.ConfigSignature;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.crypto.NodeSigner;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proposals and ballots through the manager: a member admin hands in a proposal or ballot it signed
 * with its own admin key; the manager checks it as every peer will, records it on the ledger
 * (submitted by one of the member's hosted peers), and once a proposal is approved submits the
 * decision that carries it out. The ledger stays the judge: every peer checks every record and
 * decision again.
 *
 * <p>Blocking: call it off the event loop. One governance change at a time per ledger.
 */
public final class LedgerGovernance {
  private static final Logger log = LoggerFactory.getLogger(LedgerGovernance.class);
  private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(30);
  private static final int MAX_LISTED = 1_000;

  private final LedgerService ledgers;
  private final ApiTokens tokens;
  private final HostedAdmins hostedAdmins;
  private final Clock clock;
  private final MemberRemovals removals;
  private final OwnRevocations ownRevocations;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  public LedgerGovernance(
      LedgerService ledgers, ApiTokens tokens, HostedAdmins hostedAdmins, Clock clock) {
    this.ledgers = Objects.requireNonNull(ledgers, "ledgers");
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.hostedAdmins = Objects.requireNonNull(hostedAdmins, "hostedAdmins");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.removals = new MemberRemovals(ledgers, clock);
    this.ownRevocations = new OwnRevocations(ledgers, hostedAdmins, removals, clock);
  }

  /**
   * A proposal as the ledger records it, with its ballots.
   *
   * @param status the tally's status while the proposal is open; CLOSED once a config change landed
   *     after it (its own decision, or another that made it lapse)
   */
  public record ProposalView(
      String id,
      SignedGovernanceProposal signed,
      GovernanceProposal content,
      String status,
      Optional<Tally> tally,
      List<GovernanceBallot> ballots) {}

  /**
   * Records a proposal the caller's organisation signed.
   *
   * @throws Refusal FORBIDDEN, LEDGER_NOT_FOUND, LEDGER_NOT_ACTIVE, MALFORMED_PROPOSAL or
   *     PROPOSAL_REFUSED (with the ledger's reason)
   */
  public ProposalView propose(Principal caller, String ledgerId, SignedGovernanceProposal signed)
      throws Refusal, SQLException, InterruptedException {
    String mspId = memberAdmin(caller, ledgerId, "proposes");
    String signerMsp = mspOf(signed.getSigner().toByteArray());
    if (!signerMsp.equals(mspId)) {
      throw new Refusal(
          ApiError.FORBIDDEN,
          "an admin of " + mspId + " cannot hand in a proposal signed for " + signerMsp);
    }
    String id = MemberMessages.proposalId(signed.getProposal());
    synchronized (lock(ledgerId)) {
      HostedLedger ledger = ledgers.runningLedger(ledgerId);
      Optional<GovernanceProposal> content = content(signed);
      if (content.isPresent()) {
        refuseInapplicable(ledger, content.get());
        refuseRemovalWithoutCrl(ledgerId, ledger, content.get());
      }
      record(
          ledger,
          mspId,
          MemberMessages.proposalRecord(ledgerId, signed),
          ApiError.PROPOSAL_REFUSED);
      log.info("governance.proposed ledger={} proposal={} by={}", ledgerId, id, mspId);
      return show(ledgerId, id);
    }
  }

  /**
   * Records a ballot the caller's organisation signed; if it decides the proposal as approved, the
   * decision that carries it out follows.
   *
   * @throws Refusal FORBIDDEN, LEDGER_NOT_FOUND, LEDGER_NOT_ACTIVE, PROPOSAL_NOT_FOUND, or
   *     BALLOT_REFUSED (with the ledger's reason)
   */
  public ProposalView vote(
      Principal caller, String ledgerId, String proposalId, GovernanceBallot ballot)
      throws Refusal, SQLException, InterruptedException {
    String mspId = memberAdmin(caller, ledgerId, "votes");
    if (!ballot.getVoterMspId().equals(mspId)) {
      throw new Refusal(
          ApiError.FORBIDDEN,
          "an admin of " + mspId + " cannot vote for " + ballot.getVoterMspId());
    }
    synchronized (lock(ledgerId)) {
      HostedLedger ledger = ledgers.runningLedger(ledgerId);
      SignedGovernanceProposal proposal =
          ledger.proposal(proposalId).orElseThrow(() -> notFound(ledgerId, proposalId));
      record(
          ledger,
          mspId,
          MemberMessages.ballotRecord(ledgerId, proposalId, ballot),
          ApiError.BALLOT_REFUSED);
      log.info(
          "governance.voted ledger={} proposal={} by={} choice={}",
          ledgerId,
          proposalId,
          mspId,
          Choice.of(ballot.getChoice()).map(Enum::name).orElse("?"));
      ProposalView view = show(ledgerId, proposalId);
      if (view.tally().isPresent() && view.tally().get().status() == ProposalStatus.APPROVED) {
        decide(ledger, mspId, proposal, view);
        view = show(ledgerId, proposalId);
      }
      return view;
    }
  }

  /**
   * Proposes {@code action} for the caller's organisation, signed by the admin identity it keeps
   * here; the proposal names the config in force and now.
   *
   * @throws Refusal NO_HOSTED_ADMIN if the member keeps no admin identity here, or as {@link
   *     #propose(Principal, String, SignedGovernanceProposal)}
   */
  public ProposalView proposeAsHosted(
      Principal caller, String ledgerId, GovernanceProposal.Builder action)
      throws Refusal, SQLException, InterruptedException {
    NodeSigner admin = hostedAdmin(ledgerId, memberAdmin(caller, ledgerId, "proposes"));
    return propose(
        caller, ledgerId, MemberMessages.propose(draft(caller, ledgerId, action), admin));
  }

  /**
   * The proposal the caller's organisation would make of {@code action}, complete and unsigned: for
   * the config sequence in force, now, with what the manager adds to an action (the ledger's
   * settlement asset to a close, the next voting policy version, a removal's CRL). A member admin
   * that keeps its key on its side (a browser) signs these bytes and hands them in as a {@code
   * SignedGovernanceProposal}. Nothing is recorded.
   *
   * @throws Refusal FORBIDDEN, LEDGER_NOT_FOUND, LEDGER_NOT_ACTIVE, PROPOSAL_REFUSED or
   *     UPGRADE_WINDOW_CLOSED when the ledger would refuse it
   */
  public GovernanceProposal draft(
      Principal caller, String ledgerId, GovernanceProposal.Builder action)
      throws Refusal, SQLException {
    String mspId = memberAdmin(caller, ledgerId, "proposes");
    if (action.hasCloseLedger() && action.getCloseLedger().getSettlementAsset().isEmpty()) {
      // Closing settles in the ledger's settlement asset unless the member names another.
      action.setCloseLedger(
          action.getCloseLedger().toBuilder()
              .setSettlementAsset(ledgers.settlementAsset(ledgerId)));
    }
    if (action.hasChangePolicy()
        && action.getChangePolicy().hasVoting()
        && action.getChangePolicy().getVoting().getVersion() == 0) {
      // The next version of the voting policy in force.
      long next =
          MemberMessages.votingPolicy(ledgers.runningLedger(ledgerId).config()).version() + 1;
      action.setChangePolicy(
          action.getChangePolicy().toBuilder()
              .setVoting(action.getChangePolicy().getVoting().toBuilder().setVersion(next)));
    }
    if (action.hasRemoveMember() && action.getRemoveMember().getCrl().isEmpty()) {
      HostedLedger ledger = ledgers.runningLedger(ledgerId);
      if (crlRequired(ledgerId, ledger)) {
        action.setRemoveMember(
            action.getRemoveMember().toBuilder()
                .setCrl(crlBytes(removalCrl(ledgerId, action.getRemoveMember().getMspId()))));
      }
    }
    GovernanceProposal content =
        action
            .setLedgerId(ledgerId)
            .setConfigSequence(ledgers.runningLedger(ledgerId).config().getSequence())
            .setProposerMspId(mspId)
            .setCreatedAtMillis(clock.millis())
            .build();
    refuseInapplicable(ledgers.runningLedger(ledgerId), content);
    return content;
  }

  /**
   * Votes {@code choice} for the caller's organisation, signed by the admin identity it keeps here.
   *
   * @throws Refusal NO_HOSTED_ADMIN, PROPOSAL_NOT_FOUND, or as {@link #vote}
   */
  public ProposalView voteAsHosted(
      Principal caller, String ledgerId, String proposalId, Choice choice)
      throws Refusal, SQLException, InterruptedException {
    String mspId = memberAdmin(caller, ledgerId, "votes");
    NodeSigner admin = hostedAdmin(ledgerId, mspId);
    SignedGovernanceProposal proposal =
        ledgers
            .runningLedger(ledgerId)
            .proposal(proposalId)
            .orElseThrow(() -> notFound(ledgerId, proposalId));
    return vote(
        caller,
        ledgerId,
        proposalId,
        MemberMessages.vote(proposal, admin, choice, clock.instant()));
  }

  private NodeSigner hostedAdmin(String ledgerId, String mspId) throws Refusal {
    try {
      return hostedAdmins
          .signer(ledgerId, mspId)
          .orElseThrow(
              () ->
                  new Refusal(
                      ApiError.NO_HOSTED_ADMIN,
                      mspId
                          + " keeps no admin identity here: sign the proposal or ballot with its"
                          + " own admin key"));
    } catch (CaException | IOException e) {
      throw new Refusal(
          ApiError.HOSTED_ADMIN_UNAVAILABLE,
          "the hosted admin identity cannot be read: " + e.getMessage());
    }
  }

  private void decide(
      HostedLedger ledger, String mspId, SignedGovernanceProposal proposal, ProposalView approved)
      throws Refusal {
    try {
      Commit decided = ledger.decide(mspId, proposal, approved.ballots(), COMMIT_TIMEOUT);
      log.info(
          "governance.decided ledger={} proposal={} action={} block={}",
          ledger.ledgerId(),
          approved.id(),
          approved.content().getActionCase(),
          decided.blockNumber());
      if (approved.content().hasRemoveMember()) {
        String removed = approved.content().getRemoveMember().getMspId();
        tokens.revokeMember(ledger.ledgerId(), removed);
        removals.evict(ledger, removed);
      }
      if (approved.content().hasRevokeCertificates()) {
        removals.revokeDecided(
            ledger, crl(approved.content().getRevokeCertificates().getCrl().toByteArray()));
      }
      if (approved.content().hasCloseLedger()) {
        // From the next block only config transactions count: the ledger awaits its statement.
        ledgers.registry().setStatus(ledger.ledgerId(), LedgerStatus.CLOSING, Optional.empty());
      }
    } catch (LedgerException e) {
      throw switch (e.error()) {
        case INAPPLICABLE ->
            new Refusal(
                ApiError.ACTION_FAILED,
                "the proposal was approved but cannot be carried out: " + e.getMessage());
        case INVALID ->
            new Refusal(
                ApiError.DECISION_REFUSED,
                "the proposal was approved but the ledger refused its decision: "
                    + e.getMessage()
                    + "; see the nodes' log");
        case NO_HOSTED_NODE -> new Refusal(ApiError.NO_HOSTED_PEER, e.getMessage());
        default ->
            new Refusal(
                ApiError.LEDGER_UNAVAILABLE,
                "the decision could not be committed: " + e.getMessage());
      };
    } catch (SQLException e) {
      throw new Refusal(
          ApiError.LEDGER_UNAVAILABLE, "the decision could not be committed: " + e.getMessage());
    }
  }

  /** Every recorded proposal of a ledger. */
  public List<ProposalView> list(Principal caller, String ledgerId) throws Refusal, SQLException {
    seeable(caller, ledgerId);
    HostedLedger ledger = ledgers.runningLedger(ledgerId);
    List<ProposalView> views = new ArrayList<>();
    for (String id : ledger.proposalIds(MAX_LISTED)) {
      views.add(show(ledgerId, id));
    }
    return views;
  }

  /** One recorded proposal with its ballots. */
  public ProposalView show(Principal caller, String ledgerId, String id)
      throws Refusal, SQLException {
    seeable(caller, ledgerId);
    return show(ledgerId, id);
  }

  private ProposalView show(String ledgerId, String id) throws Refusal, SQLException {
    HostedLedger ledger = ledgers.runningLedger(ledgerId);
    SignedGovernanceProposal signed = ledger.proposal(id).orElseThrow(() -> notFound(ledgerId, id));
    GovernanceProposal content;
    try {
      content = GovernanceProposal.parseFrom(signed.getProposal());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("recorded proposal " + id + " is unreadable", e);
    }
    Optional<Tally> tally = ledger.tally(id, clock.instant());
    return new ProposalView(
        id,
        signed,
        content,
        tally.map(t -> t.status().name()).orElse("CLOSED"),
        tally,
        ledger.ballots(id));
  }

  /**
   * Checks a record as the peers will (signatures, admin, open proposal, one vote per member), then
   * submits it through one of the member's hosted peers and waits for it to commit.
   */
  private void record(HostedLedger ledger, String mspId, ConfigUpdate update, ApiError refusedCode)
      throws Refusal {
    try {
      ledger.record(mspId, update, COMMIT_TIMEOUT);
    } catch (LedgerException e) {
      throw switch (e.error()) {
        case REFUSED -> new Refusal(refusedCode, e.getMessage());
        case INVALID ->
            new Refusal(
                refusedCode,
                "the ledger refused the record: "
                    + e.getMessage()
                    + "; another record may have landed first");
        case NO_HOSTED_NODE -> new Refusal(ApiError.NO_HOSTED_PEER, e.getMessage());
        default ->
            new Refusal(
                ApiError.LEDGER_UNAVAILABLE,
                "the record could not be committed: " + e.getMessage());
      };
    }
  }

  /**
   * Refuses, before anyone votes, a proposal whose effect could not be carried out on the config in
   * force (voting on it would end in ACTION_FAILED): a member that is not there, an ordering group
   * left without a majority, ...
   */
  private void refuseInapplicable(HostedLedger ledger, GovernanceProposal content) throws Refusal {
    Optional<Instant> upgradesUntil = MemberMessages.upgradesUntil(ledger.config());
    if (content.hasUpgradeContract()
        && upgradesUntil.isPresent()
        && clock.instant().isAfter(upgradesUntil.get())) {
      throw new Refusal(
          ApiError.UPGRADE_WINDOW_CLOSED,
          "the contracts of ledger "
              + ledger.ledgerId()
              + " could be upgraded until "
              + upgradesUntil.get()
              + " (the template's upgrade window from genesis); a successor ledger can run new"
              + " code");
    }
    Optional<String> why = MemberMessages.inapplicable(ledger.config(), content);
    if (why.isPresent()) {
      throw new Refusal(
          ApiError.PROPOSAL_REFUSED,
          "the proposal could not be carried out if approved: " + why.get());
    }
  }

  /**
   * The CRL a proposal to remove {@code mspId} from the ledger must carry: see {@link
   * MemberRemovals#removalCrl}. Member admins of the ledger and the operator may ask for it.
   *
   * @throws Refusal FORBIDDEN, NOT_A_MEMBER, AUTHORITY_REPLACED, LEDGER_NOT_FOUND or
   *     LEDGER_NOT_ACTIVE
   */
  public X509CRL removalCrl(Principal caller, String ledgerId, String mspId)
      throws Refusal, SQLException {
    seeable(caller, ledgerId);
    return removalCrl(ledgerId, mspId);
  }

  /**
   * The CRL the ledger's authority (this manager's) signs now: every certificate it revoked.
   *
   * @throws Refusal FORBIDDEN, LEDGER_NOT_FOUND
   */
  public X509CRL crl(Principal caller, String ledgerId) throws Refusal, SQLException {
    seeable(caller, ledgerId);
    ledgers.record(ledgerId);
    try {
      return ledgers.authority(ledgerId).crl();
    } catch (CaException e) {
      throw new Refusal(
          ApiError.LEDGER_UNAVAILABLE, "the authority could not sign its CRL: " + e.getMessage());
    }
  }

  /**
   * Proposes revoking {@code serials}, signed by the caller's hosted admin: the proposal carries
   * the authority's CRL with them added; once the members approve it, every node refuses them.
   *
   * @throws Refusal as {@link #proposeAsHosted}, AUTHORITY_REPLACED, MALFORMED_REQUEST
   * @throws CaException CERTIFICATE_NOT_FOUND or ALREADY_REVOKED
   */
  public ProposalView proposeRevocation(
      Principal caller, String ledgerId, List<BigInteger> serials, RevocationReason reason)
      throws Refusal, SQLException, InterruptedException, CaException {
    memberAdmin(caller, ledgerId, "proposes");
    X509CRL crl = removals.revocationCrl(ledgerId, serials, reason);
    return proposeAsHosted(
        caller,
        ledgerId,
        GovernanceProposal.newBuilder()
            .setRevokeCertificates(
                GovernanceProposal.RevokeCertificates.newBuilder().setCrl(crlBytes(crl))));
  }

  /**
   * The CRL a RevokeCertificates proposal signed on the member's side carries.
   *
   * @throws Refusal FORBIDDEN, AUTHORITY_REPLACED, LEDGER_NOT_FOUND, MALFORMED_REQUEST
   * @throws CaException CERTIFICATE_NOT_FOUND or ALREADY_REVOKED
   */
  public X509CRL revocationCrl(
      Principal caller, String ledgerId, List<BigInteger> serials, RevocationReason reason)
      throws Refusal, SQLException, CaException {
    seeable(caller, ledgerId);
    return removals.revocationCrl(ledgerId, serials, reason);
  }

  /**
   * What a member's revocation of its own certificate did: the block from which every node refuses
   * it, the config sequence it made, and the proposals open before it (they lapse with the config
   * change and must be proposed again).
   */
  public record OwnRevocation(
      String serialHex, long block, long configSequence, List<String> lapsed) {}

  /**
   * The config update by which the caller's organisation revokes one of its own certificates
   * without a vote, for one of its admins to sign on its side ({@link #revokeOwnSigned}).
   *
   * @throws Refusal FORBIDDEN (the operator; another organisation's certificate),
   *     CERTIFICATE_IN_USE, AUTHORITY_REPLACED, MALFORMED_REQUEST, LEDGER_NOT_FOUND /
   *     LEDGER_NOT_ACTIVE
   * @throws CaException CERTIFICATE_NOT_FOUND, ALREADY_REVOKED
   */
  public LedgerConfig ownRevocationUpdate(
      Principal caller, String ledgerId, String serialHex, RevocationReason reason)
      throws Refusal, SQLException, CaException {
    String mspId = memberAdmin(caller, ledgerId, "revokes");
    return ownRevocations.prepare(ledgerId, mspId, serialHex, reason).next();
  }

  /**
   * Revokes one of the caller's organisation's certificates without a vote, signed by the admin
   * identity it keeps here; in force on every node from the block it is committed in.
   *
   * @throws Refusal as {@link #ownRevocationUpdate}, NO_HOSTED_ADMIN, REVOCATION_REFUSED,
   *     LEDGER_UNAVAILABLE
   * @throws CaException CERTIFICATE_NOT_FOUND, ALREADY_REVOKED
   */
  public OwnRevocation revokeOwn(
      Principal caller, String ledgerId, String serialHex, RevocationReason reason)
      throws Refusal, SQLException, CaException {
    String mspId = memberAdmin(caller, ledgerId, "revokes");
    NodeSigner admin = hostedAdmin(ledgerId, mspId);
    synchronized (lock(ledgerId)) {
      OwnRevocations.Prepared prepared = ownRevocations.prepare(ledgerId, mspId, serialHex, reason);
      return ownRevocations.revokeAsHosted(ledgerId, mspId, prepared, admin);
    }
  }

  /**
   * Revokes one of the caller's organisation's certificates with {@code next} (from {@link
   * #ownRevocationUpdate}) and an admin's signature over it made on the member's side.
   *
   * @throws Refusal as {@link #revokeOwn}
   * @throws CaException CERTIFICATE_NOT_FOUND
   */
  public OwnRevocation revokeOwnSigned(
      Principal caller,
      String ledgerId,
      String serialHex,
      LedgerConfig next,
      ConfigSignature signature)
      throws Refusal, SQLException, CaException {
    String mspId = memberAdmin(caller, ledgerId, "revokes");
    synchronized (lock(ledgerId)) {
      return ownRevocations.revokeSigned(ledgerId, mspId, serialHex, next, signature);
    }
  }

  private static X509CRL crl(byte[] der) {
    try {
      return (X509CRL)
          CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
    } catch (CertificateException | CRLException e) {
      throw new IllegalStateException("a decided CRL cannot be read", e);
    }
  }

  private X509CRL removalCrl(String ledgerId, String mspId) throws Refusal, SQLException {
    try {
      return removals.removalCrl(ledgerId, mspId);
    } catch (CaException e) {
      throw new Refusal(
          ApiError.LEDGER_UNAVAILABLE, "the authority could not sign the CRL: " + e.getMessage());
    }
  }

  private boolean crlRequired(String ledgerId, HostedLedger ledger) throws Refusal {
    try {
      return removals.crlRequired(ledgerId, ledger.config());
    } catch (CaException e) {
      throw new Refusal(
          ApiError.LEDGER_UNAVAILABLE, "the authority could not be opened: " + e.getMessage());
    }
  }

  /**
   * While the ledger trusts this manager's authority, a removal must carry its CRL revoking the
   * member's certificates, or the removed member's certificates would still pass every node's TLS
   * handshake.
   */
  private void refuseRemovalWithoutCrl(
      String ledgerId, HostedLedger ledger, GovernanceProposal content) throws Refusal {
    if (content.hasRemoveMember()
        && content.getRemoveMember().getCrl().isEmpty()
        && crlRequired(ledgerId, ledger)) {
      throw new Refusal(
          ApiError.REMOVAL_NEEDS_CRL,
          "a proposal to remove "
              + content.getRemoveMember().getMspId()
              + " must carry the authority's CRL revoking its certificates: GET /ledgers/"
              + ledgerId
              + "/members/"
              + content.getRemoveMember().getMspId()
              + "/removal-crl, put into the proposal before signing (patchwork propose"
              + " --remove-member does it)");
    }
  }

  /** The proposal's content; empty if it does not decode (the ledger's check names why). */
  private static Optional<GovernanceProposal> content(SignedGovernanceProposal signed) {
    try {
      return Optional.of(GovernanceProposal.parseFrom(signed.getProposal()));
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }

  private static ByteString crlBytes(X509CRL crl) {
    try {
      return ByteString.copyFrom(crl.getEncoded());
    } catch (CRLException e) {
      throw new IllegalStateException("the authority's CRL cannot be encoded", e);
    }
  }

  private static String memberAdmin(Principal caller, String ledgerId, String what) throws Refusal {
    if (caller.isOperator()) {
      throw new Refusal(
          ApiError.FORBIDDEN,
          "the operator does not vote: a member admin " + what + ", with its own admin key");
    }
    if (!caller.maySee(ledgerId)) {
      throw new Refusal(ApiError.FORBIDDEN, "the caller is not a member of ledger " + ledgerId);
    }
    return caller.mspId().orElseThrow();
  }

  private static void seeable(Principal caller, String ledgerId) throws Refusal {
    if (!caller.maySee(ledgerId)) {
      throw new Refusal(ApiError.FORBIDDEN, "the caller is not a member of ledger " + ledgerId);
    }
  }

  private static String mspOf(byte[] serializedIdentity) throws Refusal {
    try {
      return SerializedIdentity.parseFrom(serializedIdentity).getMspid();
    } catch (InvalidProtocolBufferException e) {
      throw new Refusal(
          ApiError.MALFORMED_PROPOSAL, "the proposal's signer is not a serialized identity");
    }
  }

  private static Refusal notFound(String ledgerId, String id) {
    return new Refusal(
        ApiError.PROPOSAL_NOT_FOUND, "ledger " + ledgerId + " has no proposal '" + id + "'");
  }

  private Object lock(String ledgerId) {
    return locks.computeIfAbsent(ledgerId, id -> new Object());
  }
}
