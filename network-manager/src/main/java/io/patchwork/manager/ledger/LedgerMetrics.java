package io.patchwork.manager.ledger;

import static org.hyperledger.fabric.protos.peer.TxValidationCode.VALID;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.patchwork.node.api.BlockCommitted;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.HostedNode;
import io.patchwork.node.api.NodeRole;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus metrics of the ledgers this process runs, tagged by ledger and node: block height of
 * every node, Raft leadership of every orderer, and transactions committed by each peer (valid or
 * not). Gauges read the nodes' in-memory state, so a scrape never waits on disk; they hold their
 * node views strongly (Micrometer's default is a weak reference, and a view nothing else holds
 * would be collected and report NaN) until {@link #forget} removes them with the ledger.
 */
public final class LedgerMetrics {
  private final MeterRegistry registry;

  public LedgerMetrics(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Starts reporting a ledger that has just come up. */
  public void watch(String ledgerId, HostedLedger ledger) {
    for (HostedNode orderer : ledger.nodes()) {
      if (orderer.role() == NodeRole.ORDERER) {
        watchOrderer(ledgerId, orderer);
      }
    }
    for (HostedNode peer : ledger.peers()) {
      watchPeer(ledgerId, ledger, peer);
    }
    // Commit latency as applications see it, measured on one peer: from the client's transaction
    // timestamp to the peer's commit.
    if (!ledger.peers().isEmpty()) {
      String measured = ledger.peers().get(0).nodeId();
      Timer latency =
          Timer.builder("patchwork.commit.latency")
              .description("From a transaction's client timestamp to its commit on a peer")
              .tags(Tags.of("ledger", ledgerId))
              .publishPercentiles(0.5, 0.99)
              .register(registry);
      ledger.onCommit(
          block -> {
            if (block.peerId().equals(measured)) {
              recordLatency(latency, block);
            }
          });
    }
    ledger.onCommit(block -> count(ledgerId, block));
    long lifespanEnds = ledger.genesisConfig().getLifecycle().getLifespanEndsAtMillis();
    if (lifespanEnds > 0) {
      Gauge.builder(
              "patchwork.ledger.lifespan.remaining",
              () -> (lifespanEnds - System.currentTimeMillis()) / 1000.0)
          .description("Seconds until the ledger's lifespan ends; negative once it is past")
          .baseUnit("seconds")
          .tags(Tags.of("ledger", ledgerId))
          .register(registry);
    }
  }

  /**
   * Starts reporting an orderer this instance runs: one of a ledger it runs, or one it runs for a
   * ledger another instance owns.
   */
  public void watchOrderer(String ledgerId, HostedNode orderer) {
    Tags tags = Tags.of("ledger", ledgerId, "node", orderer.nodeId(), "kind", "orderer");
    Gauge.builder("patchwork.node.height", orderer, HostedNode::height)
        .description("Blocks the node holds")
        .tags(tags)
        .strongReference(true)
        .register(registry);
    Gauge.builder("patchwork.raft.leader", orderer, node -> node.isLeader() ? 1 : 0)
        .description("1 while the orderer leads the ledger's Raft group")
        .tags(tags)
        .strongReference(true)
        .register(registry);
    Gauge.builder("patchwork.raft.term", orderer, node -> node.term().orElse(0L))
        .description("The Raft term the orderer is in")
        .tags(tags)
        .strongReference(true)
        .register(registry);
  }

  private static void recordLatency(Timer latency, BlockCommitted committed) {
    long now = System.currentTimeMillis();
    for (BlockCommitted.Outcome tx : committed.transactions()) {
      // A transaction the peer marked invalid for its form has no latency to report.
      committed
          .clientTime(tx)
          .map(sent -> now - sent.toEpochMilli())
          .filter(millis -> millis >= 0)
          .ifPresent(millis -> latency.record(millis, TimeUnit.MILLISECONDS));
    }
  }

  /** Starts reporting a peer added to a running ledger. */
  public void watchPeer(String ledgerId, HostedLedger ledger, HostedNode peer) {
    Tags tags = Tags.of("ledger", ledgerId, "node", peer.nodeId(), "kind", "peer");
    Gauge.builder("patchwork.node.height", peer, HostedNode::height)
        .description("Blocks the node holds")
        .tags(tags)
        .strongReference(true)
        .register(registry);
    Gauge.builder("patchwork.peer.lag", peer, node -> ledger.height() - node.height())
        .description("Blocks the peer is behind the ledger's furthest peer")
        .tags(tags)
        .strongReference(true)
        .register(registry);
    committed(ledgerId, peer.nodeId(), "valid");
    committed(ledgerId, peer.nodeId(), "invalid");
  }

  private Counter committed(String ledgerId, String peerId, String outcome) {
    return Counter.builder("patchwork.transactions.committed")
        .description("Transactions a peer committed, by outcome")
        .tags(Tags.of("ledger", ledgerId, "node", peerId, "kind", "peer", "outcome", outcome))
        .register(registry);
  }

  private void count(String ledgerId, BlockCommitted block) {
    long valid = block.transactions().stream().filter(tx -> tx.code() == VALID).count();
    committed(ledgerId, block.peerId(), "valid").increment(valid);
    committed(ledgerId, block.peerId(), "invalid").increment(block.transactions().size() - valid);
  }

  /** Stops reporting one node of a ledger (an orderer this instance no longer runs). */
  public void forgetNode(String ledgerId, String nodeId) {
    registry.getMeters().stream()
        .filter(
            meter ->
                ledgerId.equals(meter.getId().getTag("ledger"))
                    && nodeId.equals(meter.getId().getTag("node")))
        .toList()
        .forEach(registry::remove);
  }

  /** Stops reporting a ledger whose nodes stopped. */
  public void forget(String ledgerId) {
    registry.getMeters().stream()
        .filter(meter -> ledgerId.equals(meter.getId().getTag("ledger")))
        .toList()
        .forEach(registry::remove);
  }
}
