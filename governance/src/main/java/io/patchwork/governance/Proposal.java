package io.patchwork.governance;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A proposal as the ledger recorded it: what it asks, who proposed it and when (the block time),
 * the policy it is decided by and the member organisations eligible to vote, both fixed when it was
 * made — members added or removed later do not change who decides it.
 */
public record Proposal(
    String ledgerId,
    String proposalId,
    Action action,
    String proposerMspId,
    Instant createdAt,
    VotingPolicy policy,
    Set<String> eligible) {

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  public Proposal {
    Objects.requireNonNull(ledgerId, "ledgerId");
    Objects.requireNonNull(proposalId, "proposalId");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(proposerMspId, "proposerMspId");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(policy, "policy");
    eligible = Set.copyOf(eligible);
    if (!ID.matcher(ledgerId).matches() || !ID.matcher(proposalId).matches()) {
      throw new IllegalArgumentException(
          "ledger and proposal ids are 1 to 128 letters, digits, '.', '-' or '_'");
    }
    if (eligible.isEmpty()) {
      throw new IllegalArgumentException("a proposal needs eligible voters");
    }
    if (!eligible.contains(proposerMspId)) {
      throw new IllegalArgumentException(proposerMspId + " is not a member and cannot propose");
    }
  }

  /** A proposal under the ledger's rules, made by a member at the block time. */
  public static Proposal open(
      String ledgerId,
      String proposalId,
      Action action,
      String proposerMspId,
      Instant createdAt,
      GovernanceRules rules,
      Set<String> members) {
    return new Proposal(
        ledgerId, proposalId, action, proposerMspId, createdAt, rules.policyFor(action), members);
  }

  /** When voting ends: votes cast at or after this instant are refused. */
  public Instant expiresAt() {
    return createdAt.plus(policy.duration());
  }
}
