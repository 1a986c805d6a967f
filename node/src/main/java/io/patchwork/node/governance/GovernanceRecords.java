package io.patchwork.node.governance;

import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.governance.Ballot;
import io.patchwork.governance.Choice;
import io.patchwork.governance.Proposal;
import io.patchwork.governance.Tally;
import io.patchwork.governance.Voter;
import io.patchwork.governance.Votes;
import io.patchwork.node.config.ConfigTransactions;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.BallotRecord;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.GovernanceRecord;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.state.StateEntry;
import io.patchwork.node.state.StateReader;
import io.patchwork.node.state.StateWrite;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Envelope;

/**
 * Proposals and ballots recorded on the ledger before a decision, as config transactions that do
 * not change the config (so every peer sees them in the same order). Orderers check what needs no
 * state — signatures, admins, that a proposal amends the config in force; peers then check against
 * what is recorded — a ballot's proposal exists and is still open, the organisation has not voted —
 * and keep them in the world-state namespace {@value #NAMESPACE}:
 *
 * <pre>
 * proposal/{id}           the SignedGovernanceProposal
 * ballot/{id}/{mspId}     the GovernanceBallot
 * </pre>
 *
 * A refused record is marked {@code INVALID_CONFIG_TRANSACTION} in its block and writes nothing.
 */
public final class GovernanceRecords {
  /** World-state namespace of governance records; no contract can write it. */
  public static final String NAMESPACE = "_governance";

  private static final int MAX_BALLOTS = 10_000;

  private GovernanceRecords() {}

  // ---- for proposers and voters ----

  /** The config update recording a proposal (what {@link #proposalEnvelope} carries). */
  public static ConfigUpdate proposalUpdate(String ledgerId, SignedGovernanceProposal proposal) {
    return update(ledgerId, GovernanceRecord.newBuilder().setProposal(proposal).build());
  }

  /** The config update recording a ballot (what {@link #ballotEnvelope} carries). */
  public static ConfigUpdate ballotUpdate(
      String ledgerId, String proposalId, GovernanceBallot ballot) {
    return update(
        ledgerId,
        GovernanceRecord.newBuilder()
            .setBallot(BallotRecord.newBuilder().setProposalId(proposalId).setBallot(ballot))
            .build());
  }

  /** The config transaction recording a proposal. */
  public static Envelope proposalEnvelope(
      String ledgerId, SignedGovernanceProposal proposal, NodeSigner submitter, Instant at) {
    return ConfigTransactions.envelope(proposalUpdate(ledgerId, proposal), submitter, at);
  }

  /** The config transaction recording a ballot on a recorded proposal. */
  public static Envelope ballotEnvelope(
      String ledgerId,
      String proposalId,
      GovernanceBallot ballot,
      NodeSigner submitter,
      Instant at) {
    return ConfigTransactions.envelope(ballotUpdate(ledgerId, proposalId, ballot), submitter, at);
  }

  private static ConfigUpdate update(String ledgerId, GovernanceRecord record) {
    // The update names its ledger; its config stays empty: a record changes no config.
    return ConfigUpdate.newBuilder()
        .setConfig(LedgerConfig.newBuilder().setLedgerId(ledgerId))
        .setRecord(record)
        .build();
  }

  // ---- reading ----

  /** A recorded proposal, if there is one with this id. */
  public static Optional<SignedGovernanceProposal> proposal(StateReader state, String id) {
    return state
        .value(NAMESPACE, proposalKey(id))
        .map(
            bytes -> {
              try {
                return SignedGovernanceProposal.parseFrom(bytes);
              } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("recorded proposal " + id + " is unreadable", e);
              }
            });
  }

  /** The ids of every recorded proposal, in key order; at most {@code limit}. */
  public static List<String> proposalIds(StateReader state, int limit) {
    List<String> ids = new ArrayList<>();
    // '0' follows '/' in byte order: the range holds every "proposal/..." key.
    for (StateEntry entry : state.range(NAMESPACE, "proposal/", "proposal0", limit)) {
      ids.add(entry.key().substring("proposal/".length()));
    }
    return ids;
  }

  /** The ballots recorded on a proposal, by organisation. */
  public static List<GovernanceBallot> ballots(StateReader state, String id) {
    List<GovernanceBallot> ballots = new ArrayList<>();
    for (StateEntry entry : state.range(NAMESPACE, ballotPrefix(id), ballotEnd(id), MAX_BALLOTS)) {
      try {
        ballots.add(GovernanceBallot.parseFrom(entry.value().value()));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("a recorded ballot on " + id + " is unreadable", e);
      }
    }
    return ballots;
  }

  /**
   * The tally of a recorded proposal under the config in force, at {@code at}; empty if there is no
   * such proposal or it lapsed (another config change landed since it was made).
   */
  public static Optional<Tally> tally(
      StateReader state, LedgerRules current, String id, Instant at) {
    Optional<Proposal> proposal = openProposal(state, current, id);
    if (proposal.isEmpty()) {
      return Optional.empty();
    }
    List<Ballot> ballots = new ArrayList<>();
    for (GovernanceBallot cast : ballots(state, id)) {
      DecisionChecks.ballot(cast, proposal.get()).ifPresent(ballots::add);
    }
    return Optional.of(Tally.of(proposal.get(), ballots, at));
  }

  private static Optional<Proposal> openProposal(
      StateReader state, LedgerRules current, String id) {
    Optional<SignedGovernanceProposal> signed = proposal(state, id);
    if (signed.isEmpty()) {
      return Optional.empty();
    }
    try {
      GovernanceProposal content = GovernanceProposal.parseFrom(signed.get().getProposal());
      if (content.getConfigSequence() != current.sequence()) {
        return Optional.empty();
      }
      return Optional.of(DecisionChecks.proposal(content, id, current));
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  // ---- checking ----

  /** The checks that need no recorded state: made by orderers and peers alike. */
  public static Optional<String> statelessRefusal(
      ConfigUpdate update, LedgerRules current, Instant at, SignatureVerifier verifier) {
    if (update.getSignaturesCount() > 0 || update.hasDecision()) {
      return Optional.of("a governance record carries no signatures or decision of its own");
    }
    if (!update
        .getConfig()
        .equals(LedgerConfig.newBuilder().setLedgerId(current.ledgerId()).build())) {
      return Optional.of("a governance record names its ledger and changes no config");
    }
    LedgerVoters voters = new LedgerVoters(current, verifier);
    GovernanceRecord record = update.getRecord();
    switch (record.getKindCase()) {
      case PROPOSAL -> {
        SignedGovernanceProposal signed = record.getProposal();
        GovernanceProposal content;
        try {
          content = GovernanceProposal.parseFrom(signed.getProposal());
        } catch (InvalidProtocolBufferException e) {
          return Optional.of("the proposal cannot be decoded");
        }
        Optional<String> elsewhere = DecisionChecks.notForThisConfig(content, current);
        if (elsewhere.isPresent()) {
          return elsewhere;
        }
        Optional<String> unsigned = DecisionChecks.proposerRefusal(signed, content, voters, at);
        if (unsigned.isPresent()) {
          return unsigned;
        }
        try {
          DecisionChecks.proposal(
              content, GovernanceEncoding.proposalId(signed.getProposal()), current);
        } catch (IllegalArgumentException e) {
          return Optional.of("the proposal is malformed: " + e.getMessage());
        }
        return Optional.empty();
      }
      case BALLOT -> {
        BallotRecord cast = record.getBallot();
        GovernanceBallot ballot = cast.getBallot();
        Optional<Voter> voter = voters.admin(ballot.getSigner().toByteArray(), at);
        if (voter.isEmpty()) {
          return Optional.of(
              Votes.Refusal.NOT_AN_ADMIN + ": the signer is not a valid admin of a member");
        }
        if (!voter.get().mspId().equals(ballot.getVoterMspId())) {
          return Optional.of(
              Votes.Refusal.WRONG_ORGANIZATION
                  + ": an admin of "
                  + voter.get().mspId()
                  + " cannot vote for "
                  + ballot.getVoterMspId());
        }
        Optional<Choice> choice = Choice.of(ballot.getChoice());
        if (choice.isEmpty() || cast.getProposalId().isEmpty()) {
          return Optional.of("the ballot is malformed");
        }
        byte[] signedBytes =
            Ballot.signedBytes(
                current.ledgerId(),
                cast.getProposalId(),
                ballot.getVoterMspId(),
                choice.get(),
                Instant.ofEpochMilli(ballot.getCastAtMillis()));
        if (!voters.signed(voter.get(), signedBytes, ballot.getSignature().toByteArray())) {
          return Optional.of(
              Votes.Refusal.FORGED_SIGNATURE + ": the ballot's signature does not verify");
        }
        return Optional.empty();
      }
      default -> {
        return Optional.of("the governance record is empty");
      }
    }
  }

  /**
   * The checks against what is recorded (peers only), and the writes of an acceptable record; a
   * refusal says why.
   */
  public static Outcome record(
      ConfigUpdate update,
      LedgerRules current,
      StateReader state,
      Instant at,
      SignatureVerifier verifier) {
    GovernanceRecord record = update.getRecord();
    if (record.hasProposal()) {
      String id = GovernanceEncoding.proposalId(record.getProposal().getProposal());
      if (proposal(state, id).isPresent()) {
        return Outcome.refused("proposal " + id + " is recorded already");
      }
      return Outcome.writes(writesOf(record));
    }
    BallotRecord cast = record.getBallot();
    String id = cast.getProposalId();
    Optional<Proposal> proposal = openProposal(state, current, id);
    if (proposal.isEmpty()) {
      return Outcome.refused("no open proposal " + id + " is recorded");
    }
    List<Ballot> recorded = new ArrayList<>();
    for (GovernanceBallot earlier : ballots(state, id)) {
      DecisionChecks.ballot(earlier, proposal.get()).ifPresent(recorded::add);
    }
    Optional<Ballot> ballot = DecisionChecks.ballot(cast.getBallot(), proposal.get());
    if (ballot.isEmpty()) {
      return Outcome.refused("the ballot is malformed");
    }
    Votes.Result result =
        Votes.admit(
            proposal.get(), recorded, ballot.get(), new LedgerVoters(current, verifier), at);
    if (!result.accepted()) {
      return Outcome.refused(result.refusal().orElseThrow() + ": " + result.message());
    }
    return Outcome.writes(writesOf(record));
  }

  /**
   * What an accepted record writes: a function of the record alone, so a peer replaying a block it
   * stored but did not finish committing writes the same.
   */
  public static StateWrite writesOf(GovernanceRecord record) {
    if (record.hasProposal()) {
      String id = GovernanceEncoding.proposalId(record.getProposal().getProposal());
      return new StateWrite(NAMESPACE, proposalKey(id), record.getProposal().toByteString(), false);
    }
    BallotRecord cast = record.getBallot();
    return new StateWrite(
        NAMESPACE,
        ballotPrefix(cast.getProposalId()) + cast.getBallot().getVoterMspId(),
        cast.getBallot().toByteString(),
        false);
  }

  /** What recording does: writes, or why nothing is written. */
  public record Outcome(List<StateWrite> writes, Optional<String> refusal) {
    static Outcome refused(String why) {
      return new Outcome(List.of(), Optional.of(why));
    }

    static Outcome writes(StateWrite write) {
      return new Outcome(List.of(write), Optional.empty());
    }
  }

  private static String proposalKey(String id) {
    return "proposal/" + id;
  }

  private static String ballotPrefix(String id) {
    return "ballot/" + id + "/";
  }

  private static String ballotEnd(String id) {
    return "ballot/" + id + "0"; // '0' follows '/' in byte order
  }
}
