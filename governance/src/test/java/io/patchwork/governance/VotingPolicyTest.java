package io.patchwork.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VotingPolicyTest {
  private static VotingPolicy policy(
      int threshold, VotingPolicy.Comparator comparator, int quorum) {
    return new VotingPolicy(threshold, comparator, quorum, Duration.ofHours(1), 1);
  }

  @Test
  void the_threshold_is_compared_exactly_without_rounding() {
    VotingPolicy overHalf = policy(50, VotingPolicy.Comparator.GREATER_THAN, 0);
    VotingPolicy half = policy(50, VotingPolicy.Comparator.GREATER_THAN_OR_EQUAL, 0);
    VotingPolicy twoThirds = policy(67, VotingPolicy.Comparator.GREATER_THAN_OR_EQUAL, 0);

    assertThat(overHalf.thresholdMet(2, 4)).isFalse();
    assertThat(overHalf.thresholdMet(3, 4)).isTrue();
    assertThat(half.thresholdMet(2, 4)).isTrue();
    assertThat(twoThirds.thresholdMet(2, 3)).isFalse();
    assertThat(twoThirds.thresholdMet(67, 100)).isTrue();
  }

  @Test
  void impossible_or_malformed_policies_are_refused() {
    assertThatThrownBy(() -> policy(0, VotingPolicy.Comparator.GREATER_THAN, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> policy(100, VotingPolicy.Comparator.GREATER_THAN, 0))
        .hasMessageContaining("never");
    assertThatThrownBy(() -> policy(50, VotingPolicy.Comparator.GREATER_THAN, 101))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new VotingPolicy(50, VotingPolicy.Comparator.GREATER_THAN, 0, Duration.ZERO, 1))
        .hasMessageContaining("positive duration");
  }

  @Test
  void a_policy_for_changing_the_voting_policy_cannot_be_laxer_than_it() {
    VotingPolicy lax = policy(30, VotingPolicy.Comparator.GREATER_THAN, 0);

    assertThatThrownBy(() -> new GovernanceRules(VotingPolicy.majority(), Optional.of(lax)))
        .hasMessageContaining("at least as strict");
  }
}
