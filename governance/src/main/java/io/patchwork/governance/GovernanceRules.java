package io.patchwork.governance;

import java.util.Objects;
import java.util.Optional;

/**
 * A ledger's governance settings: the voting policy proposals are decided by, and optionally a
 * stricter one for proposals that change the voting policy itself.
 *
 * @param voting the policy in force
 * @param votingChanges the policy for changing {@code voting}; when empty, {@code voting} itself
 */
public record GovernanceRules(VotingPolicy voting, Optional<VotingPolicy> votingChanges) {
  public GovernanceRules {
    Objects.requireNonNull(voting, "voting");
    Objects.requireNonNull(votingChanges, "votingChanges");
    if (votingChanges.isPresent() && !votingChanges.get().atLeastAsStrictAs(voting)) {
      throw new IllegalArgumentException(
          "the policy for changing the voting policy must be at least as strict as it");
    }
  }

  /** Majority voting for everything. */
  public static GovernanceRules majority() {
    return new GovernanceRules(VotingPolicy.majority(), Optional.empty());
  }

  /** The policy a proposal for {@code action} is decided by, fixed when the proposal is made. */
  public VotingPolicy policyFor(Action action) {
    if (action instanceof Action.ChangePolicy change && change.voting().isPresent()) {
      return votingChanges.orElse(voting);
    }
    return voting;
  }
}
