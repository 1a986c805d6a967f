package io.patchwork.node.governance;

import com.google.protobuf.ByteString;
import io.patchwork.governance.Ballot;
import io.patchwork.governance.Choice;
import io.patchwork.governance.Proposal;
import io.patchwork.governance.ProposalStatus;
import io.patchwork.governance.Tally;
import io.patchwork.node.config.ConfigTransactions;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceDecision;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.crypto.NodeSigner;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Envelope;

/**
 * Governance decisions on a ledger: a proposal signed by a member admin and the ballots that
 * approved it authorise a config change, in place of admin signatures. Orderers and peers check a
 * decision from the config in force alone — proposer and voters are admins of members now, every
 * ballot is admitted by the governance rules, the tally at the block time is APPROVED, the proposal
 * amends this very config and was not applied before ({@link DecisionChecks}) — and the new config
 * must be exactly the proposal's effect ({@link DecisionEffects#apply}). So every member decision
 * is in the ledger's config history with its ballots, and anyone holding the blocks can check it
 * again. This class makes the messages: proposals, ballots and the decision envelope; {@link
 * GovernanceEncoding} translates between the wire format and the governance library.
 */
public final class GovernanceDecisions {
  private GovernanceDecisions() {}

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
    GovernanceProposal content = GovernanceEncoding.parse(proposal);
    byte[] signed =
        Ballot.signedBytes(
            content.getLedgerId(),
            GovernanceEncoding.proposalId(proposal.getProposal()),
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
   * The config transaction that carries out an approved proposal: its effect on {@code current},
   * authorised by the proposal and the ballots in the order they were cast, up to the one that
   * decided it (later ones would be refused: votes close at the decision).
   *
   * @throws DecisionEffects.Inapplicable if the proposal's effect cannot be applied to {@code
   *     current}
   */
  public static Envelope decisionEnvelope(
      LedgerConfig current,
      SignedGovernanceProposal proposal,
      List<GovernanceBallot> ballots,
      NodeSigner submitter,
      Instant at)
      throws DecisionEffects.Inapplicable {
    GovernanceProposal content = GovernanceEncoding.parse(proposal);
    String id = GovernanceEncoding.proposalId(proposal.getProposal());
    List<GovernanceBallot> ordered = new ArrayList<>(ballots);
    ordered.sort(
        Comparator.comparingLong(GovernanceBallot::getCastAtMillis)
            .thenComparing(GovernanceBallot::getVoterMspId));
    ordered = upToDecision(current, content, id, ordered, at);
    Instant decidedAt =
        ordered.isEmpty()
            ? at
            : Instant.ofEpochMilli(ordered.get(ordered.size() - 1).getCastAtMillis());
    LedgerConfig next = DecisionEffects.apply(current, content, id, decidedAt);
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
      proposal = DecisionChecks.proposal(content, id, current);
    } catch (IllegalArgumentException e) {
      return ordered; // the ledger will say what is wrong with it
    }
    List<Ballot> counted = new ArrayList<>();
    for (int i = 0; i < ordered.size(); i++) {
      Optional<Ballot> ballot = DecisionChecks.ballot(ordered.get(i), proposal);
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
}
