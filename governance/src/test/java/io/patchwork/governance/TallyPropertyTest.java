package io.patchwork.governance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The tally is a function of the set of ballots and the time, nothing else. */
class TallyPropertyTest {
  private static final Instant OPENED = Instant.parse("2026-11-25T10:00:00Z");
  // Signatures play no part in the tally; one throwaway key keeps the properties fast.
  private static final PrivateKey KEY = Admins.freshKey();

  /** A generated election: the policy, the eligible members and the votes cast. */
  record Election(VotingPolicy policy, int members, List<Choice> votes, long seed) {
    Proposal proposal() {
      Set<String> eligible = new LinkedHashSet<>();
      for (int i = 0; i < members; i++) {
        eligible.add("M" + i);
      }
      return new Proposal(
          "trade", "p-1", new Action.RemoveMember("M0"), "M0", OPENED, policy, eligible);
    }

    List<Ballot> ballots() {
      List<Ballot> ballots = new ArrayList<>();
      for (int i = 0; i < votes.size(); i++) {
        ballots.add(ballot("M" + i, votes.get(i)));
      }
      return ballots;
    }
  }

  static Ballot ballot(String mspId, Choice choice) {
    return Ballot.sign(
        "trade",
        "p-1",
        mspId,
        choice,
        OPENED.plusSeconds(1),
        mspId.getBytes(StandardCharsets.UTF_8),
        KEY);
  }

  @Provide
  Arbitrary<Election> elections() {
    Arbitrary<VotingPolicy> policies =
        Combinators.combine(
                Arbitraries.integers().between(1, 99),
                Arbitraries.of(VotingPolicy.Comparator.class),
                Arbitraries.integers().between(0, 100))
            .as(
                (threshold, comparator, quorum) ->
                    new VotingPolicy(threshold, comparator, quorum, Duration.ofHours(1), 1));
    return Arbitraries.integers()
        .between(1, 40)
        .flatMap(
            members ->
                Combinators.combine(
                        policies,
                        Arbitraries.of(Choice.class).list().ofMaxSize(members),
                        Arbitraries.longs())
                    .as((policy, votes, seed) -> new Election(policy, members, votes, seed)));
  }

  @Property(tries = 300)
  void the_tally_does_not_depend_on_the_order_of_the_ballots(@ForAll("elections") Election e) {
    List<Ballot> shuffled = new ArrayList<>(e.ballots());
    Collections.shuffle(shuffled, new Random(e.seed()));
    Instant at = OPENED.plusSeconds(30);

    assertThat(Tally.of(e.proposal(), shuffled, at))
        .isEqualTo(Tally.of(e.proposal(), e.ballots(), at));
  }

  @Property(tries = 300)
  void a_proposal_in_progress_could_still_go_either_way(@ForAll("elections") Election e) {
    Proposal proposal = e.proposal();
    Instant at = OPENED.plusSeconds(30);
    Tally tally = Tally.of(proposal, e.ballots(), at);
    if (tally.status() != ProposalStatus.IN_PROGRESS) {
      return;
    }
    List<Ballot> allYes = new ArrayList<>(e.ballots());
    for (int i = e.votes().size(); i < e.members(); i++) {
      allYes.add(ballot("M" + i, Choice.YES));
    }
    // Everyone else voting yes carries it; nobody else voting lets it expire undecided.
    assertThat(Tally.of(proposal, allYes, at).status()).isEqualTo(ProposalStatus.APPROVED);
    assertThat(Tally.of(proposal, e.ballots(), proposal.expiresAt()).status())
        .isEqualTo(ProposalStatus.EXPIRED);
  }

  @Property(tries = 300)
  void a_decision_stands_whatever_votes_and_time_come_after(@ForAll("elections") Election e) {
    Proposal proposal = e.proposal();
    List<Ballot> ballots = e.ballots();
    for (int cast = 0; cast <= ballots.size(); cast++) {
      ProposalStatus before = Tally.of(proposal, ballots.subList(0, cast), OPENED).status();
      if (before == ProposalStatus.APPROVED || before == ProposalStatus.REJECTED) {
        assertThat(Tally.of(proposal, ballots, proposal.expiresAt().plusSeconds(1)).status())
            .isEqualTo(before);
        return;
      }
    }
  }
}
