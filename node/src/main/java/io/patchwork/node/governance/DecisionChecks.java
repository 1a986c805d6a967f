package io.patchwork.node.governance;

import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.governance.Ballot;
import io.patchwork.governance.Choice;
import io.patchwork.governance.Proposal;
import io.patchwork.governance.ProposalStatus;
import io.patchwork.governance.Tally;
import io.patchwork.governance.Voter;
import io.patchwork.governance.Votes;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.crypto.SignatureVerifier;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a decision may change the config in force, as orderers and peers both check it: the
 * proposal amends this very config, its proposer and voters are admins of members now, every ballot
 * is admitted by the governance rules, the tally at the block time is APPROVED, and the new config
 * is exactly the proposal's effect ({@link DecisionEffects#apply}).
 */
public final class DecisionChecks {
  private DecisionChecks() {}

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
    String id = GovernanceEncoding.proposalId(signed.getProposal());
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
      expected = DecisionEffects.apply(current.config(), content, id, decidedAt);
    } catch (DecisionEffects.Inapplicable e) {
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

  static Proposal proposal(GovernanceProposal content, String id, LedgerConfig config) {
    Set<String> members = new java.util.HashSet<>();
    config.getMembersList().forEach(member -> members.add(member.getMspId()));
    return Proposal.open(
        content.getLedgerId(),
        id,
        GovernanceEncoding.action(content),
        content.getProposerMspId(),
        Instant.ofEpochMilli(content.getCreatedAtMillis()),
        GovernanceEncoding.rules(config),
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
}
