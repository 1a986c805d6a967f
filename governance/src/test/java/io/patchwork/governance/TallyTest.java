package io.patchwork.governance;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TallyTest {
  private static final Instant OPENED = Instant.parse("2026-11-25T10:00:00Z");
  private static final Instant NOW = OPENED.plusSeconds(60);
  private static final Set<String> FIVE = Set.of("A", "B", "C", "D", "E");

  private final Admins admins =
      new Admins().add("a", "A").add("b", "B").add("c", "C").add("d", "D").add("e", "E");

  private static Proposal proposal(VotingPolicy policy) {
    return new Proposal(
        "trade", "p-1", new Action.CloseLedger("EUR", "net settlement"), "A", OPENED, policy, FIVE);
  }

  private List<Ballot> votes(Proposal proposal, String yes, String no) {
    ArrayList<Ballot> ballots = new ArrayList<>();
    for (char c : yes.toCharArray()) {
      ballots.add(admins.ballot(proposal, String.valueOf(c), Choice.YES, NOW));
    }
    for (char c : no.toCharArray()) {
      ballots.add(admins.ballot(proposal, String.valueOf(c), Choice.NO, NOW));
    }
    return ballots;
  }

  @Test
  void more_than_half_of_all_members_approves_as_soon_as_reached() {
    Proposal proposal = proposal(VotingPolicy.majority());

    assertThat(Tally.of(proposal, votes(proposal, "ab", ""), NOW).status())
        .isEqualTo(ProposalStatus.IN_PROGRESS);
    assertThat(Tally.of(proposal, votes(proposal, "abc", ""), NOW).status())
        .isEqualTo(ProposalStatus.APPROVED);
  }

  @Test
  void a_proposal_is_rejected_once_the_outstanding_votes_could_no_longer_carry_it() {
    Proposal proposal = proposal(VotingPolicy.majority());

    assertThat(Tally.of(proposal, votes(proposal, "a", "bc"), NOW).status())
        .isEqualTo(ProposalStatus.IN_PROGRESS);
    assertThat(Tally.of(proposal, votes(proposal, "a", "bcd"), NOW).status())
        .isEqualTo(ProposalStatus.REJECTED);
  }

  @Test
  void the_threshold_counts_all_eligible_members_not_only_those_who_voted() {
    Proposal proposal = proposal(VotingPolicy.majority());

    Tally tally = Tally.of(proposal, votes(proposal, "ab", ""), proposal.expiresAt());

    assertThat(tally.status()).isEqualTo(ProposalStatus.EXPIRED);
    assertThat(tally.outstanding()).isEqualTo(3);
  }

  @Test
  void greater_or_equal_reaches_the_threshold_exactly() {
    VotingPolicy sixty =
        new VotingPolicy(
            60, VotingPolicy.Comparator.GREATER_THAN_OR_EQUAL, 0, Duration.ofHours(1), 1);
    VotingPolicy overSixty =
        new VotingPolicy(60, VotingPolicy.Comparator.GREATER_THAN, 0, Duration.ofHours(1), 1);

    assertThat(Tally.of(proposal(sixty), votes(proposal(sixty), "abc", ""), NOW).status())
        .isEqualTo(ProposalStatus.APPROVED);
    assertThat(Tally.of(proposal(overSixty), votes(proposal(overSixty), "abc", ""), NOW).status())
        .isEqualTo(ProposalStatus.IN_PROGRESS);
  }

  @Test
  void a_quorum_holds_approval_back_until_enough_members_took_part() {
    VotingPolicy quorum =
        new VotingPolicy(
            20, VotingPolicy.Comparator.GREATER_THAN_OR_EQUAL, 80, Duration.ofHours(1), 1);
    Proposal proposal = proposal(quorum);

    assertThat(Tally.of(proposal, votes(proposal, "a", "bc"), NOW).status())
        .isEqualTo(ProposalStatus.IN_PROGRESS);
    assertThat(Tally.of(proposal, votes(proposal, "a", "bcd"), NOW).status())
        .isEqualTo(ProposalStatus.APPROVED);
  }

  @Test
  void ballots_cast_at_or_after_expiry_do_not_count() {
    Proposal proposal = proposal(VotingPolicy.majority());
    List<Ballot> late =
        List.of(
            admins.ballot(proposal, "a", Choice.YES, proposal.expiresAt()),
            admins.ballot(proposal, "b", Choice.YES, proposal.expiresAt()),
            admins.ballot(proposal, "c", Choice.YES, proposal.expiresAt()));

    assertThat(Tally.of(proposal, late, proposal.expiresAt()).status())
        .isEqualTo(ProposalStatus.EXPIRED);
  }

  @Test
  void changing_the_voting_policy_is_decided_by_the_stricter_policy_configured_for_it() {
    VotingPolicy twoThirds =
        new VotingPolicy(66, VotingPolicy.Comparator.GREATER_THAN, 0, Duration.ofHours(24), 1);
    GovernanceRules rules = new GovernanceRules(VotingPolicy.majority(), Optional.of(twoThirds));

    Proposal change =
        Proposal.open(
            "trade",
            "p-7",
            Action.ChangePolicy.voting(
                new VotingPolicy(
                    30, VotingPolicy.Comparator.GREATER_THAN, 0, Duration.ofHours(24), 2)),
            "A",
            OPENED,
            rules,
            FIVE);

    assertThat(change.policy()).isEqualTo(twoThirds);
    assertThat(Tally.of(change, votes(change, "abc", ""), NOW).status())
        .isEqualTo(ProposalStatus.IN_PROGRESS);
    assertThat(Tally.of(change, votes(change, "abcd", ""), NOW).status())
        .isEqualTo(ProposalStatus.APPROVED);
  }
}
