package io.patchwork.governance;

import java.time.Duration;
import java.util.Objects;

/**
 * How proposals are decided: a threshold percentage of <em>all eligible</em> member organisations
 * (not of those who voted), compared with {@code >} or {@code >=}; an optional quorum — the
 * percentage of eligible organisations that must have voted at all for approval; and how long a
 * proposal stays open. Policies are versioned so a ledger can say which one decided what.
 *
 * <p>All arithmetic is exact integer arithmetic: {@code yes * 100 > threshold * eligible}.
 *
 * @param thresholdPercent 1 to 100
 * @param comparator whether the threshold must be exceeded or only reached
 * @param quorumPercent 0 (no quorum) to 100
 * @param duration how long a proposal is open, positive
 * @param version the policy's version, starting at 1
 */
public record VotingPolicy(
    int thresholdPercent,
    Comparator comparator,
    int quorumPercent,
    Duration duration,
    long version) {

  /** How the yes share is compared with the threshold. */
  public enum Comparator {
    GREATER_THAN,
    GREATER_THAN_OR_EQUAL
  }

  public VotingPolicy {
    Objects.requireNonNull(comparator, "comparator");
    Objects.requireNonNull(duration, "duration");
    if (thresholdPercent < 1 || thresholdPercent > 100) {
      throw new IllegalArgumentException("the threshold is a percentage from 1 to 100");
    }
    if (comparator == Comparator.GREATER_THAN && thresholdPercent == 100) {
      throw new IllegalArgumentException("more than 100% of the members can never vote yes");
    }
    if (quorumPercent < 0 || quorumPercent > 100) {
      throw new IllegalArgumentException("the quorum is a percentage from 0 to 100");
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("a proposal must stay open for a positive duration");
    }
    if (version < 1) {
      throw new IllegalArgumentException("policy versions start at 1");
    }
  }

  /** The default: more than half of all members, no quorum, open for 24 hours, version 1. */
  public static VotingPolicy majority() {
    return new VotingPolicy(50, Comparator.GREATER_THAN, 0, Duration.ofHours(24), 1);
  }

  /** Whether {@code yes} votes out of {@code eligible} organisations meet the threshold. */
  public boolean thresholdMet(long yes, long eligible) {
    long share = yes * 100;
    long needed = (long) thresholdPercent * eligible;
    return comparator == Comparator.GREATER_THAN ? share > needed : share >= needed;
  }

  /** Whether {@code voted} organisations out of {@code eligible} make the quorum. */
  public boolean quorumMet(long voted, long eligible) {
    return voted * 100 >= (long) quorumPercent * eligible;
  }

  /** Whether this policy asks at least as much as {@code other} on every count. */
  public boolean atLeastAsStrictAs(VotingPolicy other) {
    boolean threshold =
        thresholdPercent > other.thresholdPercent
            || (thresholdPercent == other.thresholdPercent
                && (comparator == other.comparator || comparator == Comparator.GREATER_THAN));
    return threshold && quorumPercent >= other.quorumPercent;
  }
}
