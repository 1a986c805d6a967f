package io.patchwork.governance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VotesTest {
  private static final Instant OPENED = Instant.parse("2026-11-25T10:00:00Z");
  private static final Instant NOW = OPENED.plusSeconds(60);

  private final Admins admins =
      new Admins()
          .add("alice", "BankAMSP")
          .add("bob", "BankBMSP")
          .add("carol", "BankCMSP")
          .add("dave", "BankDMSP")
          .add("mallory", "OutsiderMSP");
  private final Proposal proposal = proposal("p-1", "trade");
  private final List<Ballot> recorded = new ArrayList<>();

  private static Proposal proposal(String id, String ledger) {
    return Proposal.open(
        ledger,
        id,
        new Action.RemoveMember("BankDMSP"),
        "BankAMSP",
        OPENED,
        GovernanceRules.majority(),
        Set.of("BankAMSP", "BankBMSP", "BankCMSP", "BankDMSP"));
  }

  private Votes.Result admit(Ballot ballot, Instant at) {
    Votes.Result result = Votes.admit(proposal, recorded, ballot, admins, at);
    if (result.accepted()) {
      recorded.add(ballot);
    }
    return result;
  }

  private static Optional<Votes.Refusal> refusal(Votes.Result result) {
    return result.refusal();
  }

  @Test
  void a_member_admins_signed_ballot_is_recorded() {
    Votes.Result result = admit(admins.ballot(proposal, "alice", Choice.YES, NOW), NOW);

    assertThat(result.accepted()).isTrue();
    assertThat(Tally.of(proposal, recorded, NOW).yes()).isEqualTo(1);
  }

  @Test
  void a_ballot_whose_signature_was_forged_is_refused() {
    Ballot real = admins.ballot(proposal, "bob", Choice.NO, NOW);
    Ballot flipped =
        new Ballot(
            real.ledgerId(),
            real.proposalId(),
            real.voterMspId(),
            Choice.YES,
            real.castAt(),
            real.signerCertificate(),
            real.signature());

    assertThat(refusal(admit(flipped, NOW))).contains(Votes.Refusal.FORGED_SIGNATURE);
    assertThat(recorded).isEmpty();
  }

  @Test
  void a_non_member_cannot_vote_even_for_a_member_organisation() {
    assertThat(refusal(admit(admins.ballot(proposal, "mallory", Choice.YES, NOW), NOW)))
        .contains(Votes.Refusal.NOT_ELIGIBLE);
    assertThat(refusal(admit(admins.ballot(proposal, "mallory", "BankBMSP", Choice.YES, NOW), NOW)))
        .contains(Votes.Refusal.WRONG_ORGANIZATION);
  }

  @Test
  void a_removed_member_whose_certificate_no_longer_checks_cannot_vote() {
    Ballot byUnknown =
        Ballot.sign(
            "trade",
            "p-1",
            "BankDMSP",
            Choice.NO,
            NOW,
            "revoked certificate".getBytes(StandardCharsets.UTF_8),
            Admins.freshKey());

    assertThat(refusal(admit(byUnknown, NOW))).contains(Votes.Refusal.NOT_AN_ADMIN);
  }

  @Test
  void an_organisation_votes_once_and_its_vote_is_final() {
    assertThat(admit(admins.ballot(proposal, "bob", Choice.NO, NOW), NOW).accepted()).isTrue();

    Votes.Result second =
        admit(admins.ballot(proposal, "bob", Choice.YES, NOW.plusSeconds(1)), NOW);

    assertThat(refusal(second)).contains(Votes.Refusal.ALREADY_VOTED);
    assertThat(Tally.of(proposal, recorded, NOW).no()).isEqualTo(1);
  }

  @Test
  void a_ballot_after_expiry_is_refused() {
    Instant late = proposal.expiresAt();

    assertThat(refusal(admit(admins.ballot(proposal, "alice", Choice.YES, late), late)))
        .contains(Votes.Refusal.EXPIRED);
  }

  @Test
  void a_ballot_after_the_decision_is_refused() {
    admit(admins.ballot(proposal, "alice", Choice.YES, NOW), NOW);
    admit(admins.ballot(proposal, "bob", Choice.YES, NOW), NOW);
    admit(admins.ballot(proposal, "carol", Choice.YES, NOW), NOW);
    assertThat(Tally.of(proposal, recorded, NOW).status()).isEqualTo(ProposalStatus.APPROVED);

    assertThat(refusal(admit(admins.ballot(proposal, "dave", Choice.NO, NOW), NOW)))
        .contains(Votes.Refusal.ALREADY_DECIDED);
  }

  @Test
  void a_ballot_replayed_from_another_proposal_or_ledger_is_refused() {
    Ballot onOtherProposal = admins.ballot(proposal("p-2", "trade"), "alice", Choice.YES, NOW);
    Ballot onOtherLedger = admins.ballot(proposal("p-1", "other"), "alice", Choice.YES, NOW);

    assertThat(refusal(admit(onOtherProposal, NOW))).contains(Votes.Refusal.WRONG_PROPOSAL);
    assertThat(refusal(admit(onOtherLedger, NOW))).contains(Votes.Refusal.WRONG_LEDGER);
    // Re-labelled to this proposal, the signature no longer matches what was signed.
    Ballot relabelled =
        new Ballot(
            "trade",
            "p-1",
            "BankAMSP",
            Choice.YES,
            onOtherProposal.castAt(),
            onOtherProposal.signerCertificate(),
            onOtherProposal.signature());
    assertThat(refusal(admit(relabelled, NOW))).contains(Votes.Refusal.FORGED_SIGNATURE);
  }

  @Test
  void a_ballot_dated_before_the_proposal_or_far_ahead_of_the_block_is_refused() {
    assertThat(
            refusal(
                admit(admins.ballot(proposal, "alice", Choice.YES, OPENED.minusSeconds(1)), NOW)))
        .contains(Votes.Refusal.BAD_TIME);
    assertThat(
            refusal(
                admit(
                    admins.ballot(proposal, "alice", Choice.YES, NOW.plus(Duration.ofMinutes(6))),
                    NOW)))
        .contains(Votes.Refusal.BAD_TIME);
  }

  @Test
  void a_proposal_by_a_non_member_cannot_be_made() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                Proposal.open(
                    "trade",
                    "p-9",
                    new Action.RemoveMember("BankBMSP"),
                    "OutsiderMSP",
                    OPENED,
                    GovernanceRules.majority(),
                    Set.of("BankAMSP", "BankBMSP")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a member");
  }
}
