package io.patchwork.templates;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A ledger template: what a ledger made from it looks like — topology, endorsement and voting
 * policies, block cutting, the contracts it runs, how long it lives, its settlement asset — and
 * which of those a request may override. Values are checked by {@link Templates}; a template object
 * is always valid.
 */
public record LedgerTemplate(
    String name,
    String description,
    Parties parties,
    Topology topology,
    Endorsement endorsement,
    Voting voting,
    BlockCutting blockCutting,
    CommitStatus commitStatus,
    List<String> contracts,
    Duration lifespan,
    Duration upgradeWindow,
    String settlementAsset,
    Set<String> overridable) {

  public LedgerTemplate {
    Objects.requireNonNull(name, "name");
    contracts = List.copyOf(contracts);
    overridable = Set.copyOf(overridable);
  }

  /** How many member organisations a ledger from this template takes. */
  public record Parties(int min, int max) {}

  /** Orderers (a Raft group of 1, 3, 5 or 7) and peers per member organisation. */
  public record Topology(int orderers, int peersPerOrganization) {}

  /** How many member organisations must endorse a transaction. */
  public record Endorsement(Rule rule, int count) {
    public enum Rule {
      AT_LEAST,
      MAJORITY,
      ALL
    }
  }

  /** The voting policy for governance proposals. */
  public record Voting(
      int thresholdPercent, Comparator comparator, int quorumPercent, Duration duration) {
    public enum Comparator {
      GREATER_THAN,
      GREATER_THAN_OR_EQUAL
    }
  }

  /**
   * When a gateway answers a commit status: once its own peer committed the transaction (Fabric's
   * meaning), or once the peers of the organisations that endorsed it, or of every member, have too
   * — at most {@code timeout} later.
   */
  public record CommitStatus(Scope scope, Duration timeout) {
    public enum Scope {
      GATEWAY_PEER,
      ENDORSING_ORGANIZATIONS,
      ALL_MEMBERS
    }
  }

  /** When orderers cut a block. */
  public record BlockCutting(int maxTransactions, long maxBytes, Duration timeout) {}

  /** Nodes a ledger of {@code parties} member organisations has: orderers and every peer. */
  public int nodes(int parties) {
    return topology.orderers() + parties * topology.peersPerOrganization();
  }
}
