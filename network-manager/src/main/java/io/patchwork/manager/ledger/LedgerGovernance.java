package io.patchwork.manager.ledger;

import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.governance.Choice;
import io.patchwork.governance.Tally;
import io.patchwork.manager.access.ApiTokens;
import io.patchwork.manager.access.Principal;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.governance.GovernanceDecisions;
import io.patchwork.node.governance.GovernanceRecords;
import io.patchwork.node.host.LocalLedger;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.state.TxRecord;
import java.io.IOException;
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
import java.util.concurrent.TimeoutException;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
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
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  public LedgerGovernance(
      LedgerService ledgers, ApiTokens tokens, HostedAdmins hostedAdmins, Clock clock) {
    this.ledgers = Objects.requireNonNull(ledgers, "ledgers");
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.hostedAdmins = Objects.requireNonNull(hostedAdmins, "hostedAdmins");
    this.clock = Objects.requireNonNull(clock, "clock");
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
          "FORBIDDEN",
          403,
          "an admin of " + mspId + " cannot hand in a proposal signed for " + signerMsp);
    }
    String id = GovernanceDecisions.proposalId(signed.getProposal());
    synchronized (lock(ledgerId)) {
      LocalLedger ledger = ledgers.runningLedger(ledgerId);
      record(ledger, mspId, GovernanceRecords.proposalUpdate(ledgerId, signed), "PROPOSAL_REFUSED");
      log.info("governance.proposed ledger={} proposal={} by={}", ledgerId, id, mspId);
      return show(ledgerId, id);
    }
  }

  /**
   * Records a ballot the caller's organisation signed; if it decides the proposal as approved, the
   * decision that carries it out follows.
   *
   * @throws Refusal FORBIDDEN, LEDGER_NOT_FOUND, LEDGER_NOT_ACTIVE, PROPOSAL_NOT_FOUND,
   *     MALFORMED_BALLOT or BALLOT_REFUSED (with the ledger's reason)
   */
  public ProposalView vote(
      Principal caller, String ledgerId, String proposalId, GovernanceBallot ballot)
      throws Refusal, SQLException, InterruptedException {
    String mspId = memberAdmin(caller, ledgerId, "votes");
    if (!ballot.getVoterMspId().equals(mspId)) {
      throw new Refusal(
          "FORBIDDEN", 403, "an admin of " + mspId + " cannot vote for " + ballot.getVoterMspId());
    }
    synchronized (lock(ledgerId)) {
      LocalLedger ledger = ledgers.runningLedger(ledgerId);
      PeerNode peer = ledger.furthestPeer();
      SignedGovernanceProposal proposal =
          GovernanceRecords.proposal(peer.ledger().state(), proposalId)
              .orElseThrow(() -> notFound(ledgerId, proposalId));
      record(
          ledger,
          mspId,
          GovernanceRecords.ballotUpdate(ledgerId, proposalId, ballot),
          "BALLOT_REFUSED");
      log.info(
          "governance.voted ledger={} proposal={} by={} choice={}",
          ledgerId,
          proposalId,
          mspId,
          Choice.of(ballot.getChoice()).map(Enum::name).orElse("?"));
      ProposalView view = show(ledgerId, proposalId);
      if (view.tally().isPresent()
          && view.tally().get().status() == io.patchwork.governance.ProposalStatus.APPROVED) {
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
    String mspId = memberAdmin(caller, ledgerId, "proposes");
    io.patchwork.node.crypto.NodeSigner admin = hostedAdmin(ledgerId, mspId);
    if (action.hasCloseLedger() && action.getCloseLedger().getSettlementAsset().isEmpty()) {
      // Closing settles in the ledger's settlement asset unless the member names another.
      action.setCloseLedger(
          action.getCloseLedger().toBuilder()
              .setSettlementAsset(ledgers.settlementAsset(ledgerId)));
    }
    GovernanceProposal content =
        action
            .setLedgerId(ledgerId)
            .setConfigSequence(
                ledgers.runningLedger(ledgerId).furthestPeer().ledger().rules().sequence())
            .setProposerMspId(mspId)
            .setCreatedAtMillis(clock.millis())
            .build();
    return propose(caller, ledgerId, GovernanceDecisions.propose(content, admin));
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
    io.patchwork.node.crypto.NodeSigner admin = hostedAdmin(ledgerId, mspId);
    SignedGovernanceProposal proposal =
        GovernanceRecords.proposal(
                ledgers.runningLedger(ledgerId).furthestPeer().ledger().state(), proposalId)
            .orElseThrow(() -> notFound(ledgerId, proposalId));
    return vote(
        caller,
        ledgerId,
        proposalId,
        GovernanceDecisions.vote(proposal, admin, choice, clock.instant()));
  }

  private io.patchwork.node.crypto.NodeSigner hostedAdmin(String ledgerId, String mspId)
      throws Refusal {
    try {
      return hostedAdmins
          .signer(ledgerId, mspId)
          .orElseThrow(
              () ->
                  new Refusal(
                      "NO_HOSTED_ADMIN",
                      409,
                      mspId
                          + " keeps no admin identity here: sign the proposal or ballot with its"
                          + " own admin key"));
    } catch (io.patchwork.ca.CaException | IOException e) {
      throw new Refusal(
          "HOSTED_ADMIN_UNAVAILABLE",
          500,
          "the hosted admin identity cannot be read: " + e.getMessage());
    }
  }

  private void decide(
      LocalLedger ledger, String mspId, SignedGovernanceProposal proposal, ProposalView approved)
      throws Refusal, InterruptedException {
    PeerNode peer = hostedPeer(ledger, mspId);
    LedgerRules rules = peer.ledger().rules();
    try {
      TxRecord decided =
          ledger.submit(
              peer.nodeId(),
              GovernanceDecisions.decisionEnvelope(
                  rules.config(),
                  proposal,
                  approved.ballots(),
                  ledger.signer(peer.nodeId()),
                  clock.instant()),
              COMMIT_TIMEOUT);
      if (decided.validationCode() != TxValidationCode.VALID_VALUE) {
        throw new Refusal(
            "DECISION_REFUSED",
            422,
            "the proposal was approved but the ledger refused its decision ("
                + TxValidationCode.forNumber(decided.validationCode())
                + "); see the nodes' log");
      }
      log.info(
          "governance.decided ledger={} proposal={} action={} block={}",
          ledger.ledgerId(),
          approved.id(),
          approved.content().getActionCase(),
          decided.blockNumber());
      if (approved.content().hasRemoveMember()) {
        tokens.revokeMember(ledger.ledgerId(), approved.content().getRemoveMember().getMspId());
      }
      if (approved.content().hasCloseLedger()) {
        // From the next block only config transactions count: the ledger awaits its statement.
        ledgers.registry().setStatus(ledger.ledgerId(), LedgerStatus.CLOSING, Optional.empty());
      }
    } catch (GovernanceDecisions.Inapplicable e) {
      throw new Refusal(
          "ACTION_FAILED",
          422,
          "the proposal was approved but cannot be carried out: " + e.getMessage());
    } catch (IOException | TimeoutException | SQLException e) {
      throw new Refusal(
          "LEDGER_UNAVAILABLE", 503, "the decision could not be committed: " + e.getMessage());
    }
  }

  /** Every recorded proposal of a ledger. */
  public List<ProposalView> list(Principal caller, String ledgerId) throws Refusal, SQLException {
    seeable(caller, ledgerId);
    LocalLedger ledger = ledgers.runningLedger(ledgerId);
    List<ProposalView> views = new ArrayList<>();
    for (String id :
        GovernanceRecords.proposalIds(ledger.furthestPeer().ledger().state(), MAX_LISTED)) {
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
    LocalLedger ledger = ledgers.runningLedger(ledgerId);
    PeerNode peer = ledger.furthestPeer();
    SignedGovernanceProposal signed =
        GovernanceRecords.proposal(peer.ledger().state(), id)
            .orElseThrow(() -> notFound(ledgerId, id));
    GovernanceProposal content;
    try {
      content = GovernanceProposal.parseFrom(signed.getProposal());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("recorded proposal " + id + " is unreadable", e);
    }
    Optional<Tally> tally =
        GovernanceRecords.tally(peer.ledger().state(), peer.ledger().rules(), id, clock.instant());
    return new ProposalView(
        id,
        signed,
        content,
        tally.map(t -> t.status().name()).orElse("CLOSED"),
        tally,
        GovernanceRecords.ballots(peer.ledger().state(), id));
  }

  /**
   * Checks a record as the peers will (signatures, admin, open proposal, one vote per member), then
   * submits it through one of the member's hosted peers and waits for it to commit.
   */
  private void record(LocalLedger ledger, String mspId, ConfigUpdate update, String refusedCode)
      throws Refusal, InterruptedException {
    PeerNode peer = hostedPeer(ledger, mspId);
    LedgerRules rules = peer.ledger().rules();
    Instant now = clock.instant();
    Optional<String> refusal =
        GovernanceRecords.statelessRefusal(update, rules, now, ledger.verifier())
            .or(
                () ->
                    GovernanceRecords.record(
                            update, rules, peer.ledger().state(), now, ledger.verifier())
                        .refusal());
    if (refusal.isPresent()) {
      throw new Refusal(refusedCode, 422, refusal.get());
    }
    try {
      TxRecord committed =
          ledger.submit(
              peer.nodeId(),
              io.patchwork.node.config.ConfigTransactions.envelope(
                  update, ledger.signer(peer.nodeId()), now),
              COMMIT_TIMEOUT);
      if (committed.validationCode() != TxValidationCode.VALID_VALUE) {
        throw new Refusal(
            refusedCode,
            422,
            "the ledger refused the record ("
                + TxValidationCode.forNumber(committed.validationCode())
                + "): another record may have landed first");
      }
    } catch (IOException | TimeoutException e) {
      throw new Refusal(
          "LEDGER_UNAVAILABLE", 503, "the record could not be committed: " + e.getMessage());
    }
  }

  private static PeerNode hostedPeer(LocalLedger ledger, String mspId) throws Refusal {
    return ledger.peers().stream()
        .filter(p -> p.mspId().equals(mspId))
        .findFirst()
        .orElseThrow(
            () ->
                new Refusal(
                    "NO_HOSTED_PEER", 409, mspId + " has no peer running here to submit through"));
  }

  private static String memberAdmin(Principal caller, String ledgerId, String what) throws Refusal {
    if (caller.isOperator()) {
      throw new Refusal(
          "FORBIDDEN",
          403,
          "the operator does not vote: a member admin " + what + ", with its own admin key");
    }
    if (!caller.maySee(ledgerId)) {
      throw new Refusal("FORBIDDEN", 403, "the caller is not a member of ledger " + ledgerId);
    }
    return caller.mspId().orElseThrow();
  }

  private static void seeable(Principal caller, String ledgerId) throws Refusal {
    if (!caller.maySee(ledgerId)) {
      throw new Refusal("FORBIDDEN", 403, "the caller is not a member of ledger " + ledgerId);
    }
  }

  private static String mspOf(byte[] serializedIdentity) throws Refusal {
    try {
      return SerializedIdentity.parseFrom(serializedIdentity).getMspid();
    } catch (InvalidProtocolBufferException e) {
      throw new Refusal(
          "MALFORMED_PROPOSAL", 400, "the proposal's signer is not a serialized identity");
    }
  }

  private static Refusal notFound(String ledgerId, String id) {
    return new Refusal(
        "PROPOSAL_NOT_FOUND", 404, "ledger " + ledgerId + " has no proposal '" + id + "'");
  }

  private Object lock(String ledgerId) {
    return locks.computeIfAbsent(ledgerId, id -> new Object());
  }
}
