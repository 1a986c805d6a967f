package io.patchwork.node.config;

import io.patchwork.governance.VotingPolicy;
import java.time.Duration;

/** The governance library's voting policy for a config's. */
public final class VotingPolicies {
  private VotingPolicies() {}

  /**
   * The library's policy for a config's.
   *
   * @throws IllegalArgumentException if the config's policy is not a valid one
   */
  public static VotingPolicy of(io.patchwork.node.config.proto.VotingPolicy policy) {
    return new VotingPolicy(
        policy.getThresholdPercent(),
        switch (policy.getComparator()) {
          case GREATER_THAN -> VotingPolicy.Comparator.GREATER_THAN;
          case GREATER_THAN_OR_EQUAL -> VotingPolicy.Comparator.GREATER_THAN_OR_EQUAL;
          default -> throw new IllegalArgumentException("the voting policy names no comparator");
        },
        policy.getQuorumPercent(),
        Duration.ofMillis(policy.getDurationMillis()),
        policy.getVersion());
  }
}
