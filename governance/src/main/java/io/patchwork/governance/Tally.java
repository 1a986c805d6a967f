package io.patchwork.governance;

import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The count of a proposal's ballots and its status at an instant: a pure function of the proposal,
 * its recorded ballots and the time (the block time on a ledger), so every peer reaches the same
 * result whatever order it learns the ballots in.
 *
 * <p>A proposal is decided as soon as the outcome can no longer change: APPROVED once the yes votes
 * meet the threshold (of all eligible organisations) and the quorum; REJECTED once even every
 * outstanding organisation voting yes could not meet them; otherwise EXPIRED from its expiry on,
 * IN_PROGRESS before. Ballots of organisations not eligible, and ballots cast at or after expiry,
 * do not count.
 *
 * @param yes eligible organisations that voted yes
 * @param no eligible organisations that voted no
 * @param eligible organisations eligible to vote
 */
public record Tally(ProposalStatus status, int yes, int no, int eligible) {
  public Tally {
    Objects.requireNonNull(status, "status");
  }

  /** Organisations that have not voted. */
  public int outstanding() {
    return eligible - yes - no;
  }

  /**
   * Counts the ballots. They must be the proposal's, one per organisation at most (as {@link
   * Votes#admit} records them).
   *
   * @throws IllegalArgumentException if a ballot is for another proposal or an organisation voted
   *     twice
   */
  public static Tally of(Proposal proposal, Collection<Ballot> ballots, Instant at) {
    Objects.requireNonNull(proposal, "proposal");
    Objects.requireNonNull(at, "at");
    Set<String> voted = new HashSet<>();
    int yes = 0;
    int no = 0;
    for (Ballot ballot : ballots) {
      if (!ballot.ledgerId().equals(proposal.ledgerId())
          || !ballot.proposalId().equals(proposal.proposalId())) {
        throw new IllegalArgumentException(ballot + " is not a ballot on " + proposal.proposalId());
      }
      if (!voted.add(ballot.voterMspId())) {
        throw new IllegalArgumentException(ballot.voterMspId() + " voted twice");
      }
      if (!proposal.eligible().contains(ballot.voterMspId())
          || !ballot.castAt().isBefore(proposal.expiresAt())) {
        continue;
      }
      if (ballot.choice() == Choice.YES) {
        yes++;
      } else {
        no++;
      }
    }
    int eligible = proposal.eligible().size();
    return new Tally(status(proposal, yes, no, eligible, at), yes, no, eligible);
  }

  private static ProposalStatus status(
      Proposal proposal, int yes, int no, int eligible, Instant at) {
    VotingPolicy policy = proposal.policy();
    int outstanding = eligible - yes - no;
    if (policy.thresholdMet(yes, eligible) && policy.quorumMet(yes + no, eligible)) {
      return ProposalStatus.APPROVED;
    }
    if (!policy.thresholdMet(yes + outstanding, eligible)) {
      return ProposalStatus.REJECTED;
    }
    if (!at.isBefore(proposal.expiresAt())) {
      return ProposalStatus.EXPIRED;
    }
    return ProposalStatus.IN_PROGRESS;
  }
}
