package io.patchwork.governance;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;

/**
 * Which ballots a ledger records: the rules every peer applies, in block order, to a ballot
 * submitted for a proposal. A refused ballot is not recorded and changes nothing.
 */
public final class Votes {
  /** How far ahead of the block time a ballot may be dated (clocks drift). */
  public static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  private Votes() {}

  /** Why a ballot is refused. Each code is stable: the API and the ledger report it. */
  public enum Refusal {
    /** The ballot is for another ledger (replayed from it, or sent to the wrong one). */
    WRONG_LEDGER,
    /** The ballot is for another proposal (replayed from it). */
    WRONG_PROPOSAL,
    /** The proposal is decided (approved, rejected, failed): votes are final and closed. */
    ALREADY_DECIDED,
    /** The proposal's voting period is over. */
    EXPIRED,
    /** Dated before the proposal existed or too far after the block time. */
    BAD_TIME,
    /** The signer's certificate is not a valid, unrevoked admin certificate of a member. */
    NOT_AN_ADMIN,
    /** The admin belongs to another organisation than the one the ballot votes for. */
    WRONG_ORGANIZATION,
    /** The organisation is not among those eligible to decide the proposal. */
    NOT_ELIGIBLE,
    /** The signature does not verify against the signer's certificate. */
    FORGED_SIGNATURE,
    /** The organisation has voted on this proposal already; votes are final. */
    ALREADY_VOTED
  }

  /** The result: the ballot recorded, or why not. */
  public record Result(Optional<Refusal> refusal, String message) {
    public Result {
      Objects.requireNonNull(refusal, "refusal");
      Objects.requireNonNull(message, "message");
    }

    static Result refused(Refusal refusal, String message) {
      return new Result(Optional.of(refusal), message);
    }

    public boolean accepted() {
      return refusal.isEmpty();
    }
  }

  /**
   * Whether {@code ballot} is recorded for {@code proposal} given the ballots already recorded, at
   * block time {@code now}.
   */
  public static Result admit(
      Proposal proposal,
      Collection<Ballot> recorded,
      Ballot ballot,
      VoterCheck voters,
      Instant now) {
    Objects.requireNonNull(proposal, "proposal");
    Objects.requireNonNull(recorded, "recorded");
    Objects.requireNonNull(ballot, "ballot");
    Objects.requireNonNull(voters, "voters");
    Objects.requireNonNull(now, "now");
    if (!ballot.ledgerId().equals(proposal.ledgerId())) {
      return Result.refused(Refusal.WRONG_LEDGER, "the ballot is for ledger " + ballot.ledgerId());
    }
    if (!ballot.proposalId().equals(proposal.proposalId())) {
      return Result.refused(
          Refusal.WRONG_PROPOSAL, "the ballot is for proposal " + ballot.proposalId());
    }
    Tally tally = Tally.of(proposal, recorded, now);
    if (tally.status() == ProposalStatus.EXPIRED) {
      return Result.refused(
          Refusal.EXPIRED,
          "voting on " + proposal.proposalId() + " ended at " + proposal.expiresAt());
    }
    if (!tally.status().open()) {
      return Result.refused(
          Refusal.ALREADY_DECIDED, proposal.proposalId() + " is already " + tally.status());
    }
    if (ballot.castAt().isBefore(proposal.createdAt())
        || ballot.castAt().isAfter(now.plus(CLOCK_SKEW))) {
      return Result.refused(
          Refusal.BAD_TIME,
          "the ballot is dated "
              + ballot.castAt()
              + "; the proposal opened at "
              + proposal.createdAt()
              + " and it is now "
              + now);
    }
    Optional<Voter> voter = voters.admin(ballot.signerCertificate(), now);
    if (voter.isEmpty()) {
      return Result.refused(
          Refusal.NOT_AN_ADMIN,
          "the signer's certificate is not a valid admin certificate of a member");
    }
    if (!voter.get().mspId().equals(ballot.voterMspId())) {
      return Result.refused(
          Refusal.WRONG_ORGANIZATION,
          "an admin of " + voter.get().mspId() + " cannot vote for " + ballot.voterMspId());
    }
    if (!proposal.eligible().contains(ballot.voterMspId())) {
      return Result.refused(
          Refusal.NOT_ELIGIBLE, ballot.voterMspId() + " is not eligible to vote on this proposal");
    }
    if (!voters.signed(voter.get(), ballot.signedBytes(), ballot.signature())) {
      return Result.refused(Refusal.FORGED_SIGNATURE, "the ballot's signature does not verify");
    }
    for (Ballot earlier : recorded) {
      if (earlier.voterMspId().equals(ballot.voterMspId())) {
        return Result.refused(
            Refusal.ALREADY_VOTED, ballot.voterMspId() + " already voted " + earlier.choice());
      }
    }
    return new Result(Optional.empty(), "");
  }
}
