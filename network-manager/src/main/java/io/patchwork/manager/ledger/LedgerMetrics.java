package io.patchwork.manager.ledger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.patchwork.node.embedded.LocalLedger;
import io.patchwork.node.order.OrdererNode;
import io.patchwork.node.peer.PeerNode;
import java.util.Objects;
import org.hyperledger.fabric.protos.peer.TxValidationCode;

/**
 * Prometheus metrics of the ledgers this process runs, tagged by ledger and node: block height of
 * every node, Raft leadership of every orderer, and transactions committed by each peer (valid or
 * not). Gauges read the nodes' in-memory state, so a scrape never waits on disk.
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
  public void watch(String ledgerId, LocalLedger ledger) {
    for (OrdererNode orderer : ledger.orderers()) {
      Tags tags = Tags.of("ledger", ledgerId, "node", orderer.nodeId(), "kind", "orderer");
      Gauge.builder("patchwork.node.height", orderer, node -> node.blocks().height())
          .description("Blocks the node holds")
          .tags(tags)
          .register(registry);
      Gauge.builder("patchwork.raft.leader", orderer, node -> node.isLeader() ? 1 : 0)
          .description("1 while the orderer leads the ledger's Raft group")
          .tags(tags)
          .register(registry);
    }
    for (PeerNode peer : ledger.peers()) {
      watchPeer(ledgerId, peer);
    }
  }

  /** Starts reporting a peer added to a running ledger. */
  public void watchPeer(String ledgerId, PeerNode peer) {
    Tags tags = Tags.of("ledger", ledgerId, "node", peer.nodeId(), "kind", "peer");
    Gauge.builder("patchwork.node.height", peer, node -> node.ledger().height())
        .description("Blocks the node holds")
        .tags(tags)
        .register(registry);
    Counter valid =
        Counter.builder("patchwork.transactions.committed")
            .description("Transactions a peer committed, by outcome")
            .tags(tags.and("outcome", "valid"))
            .register(registry);
    Counter invalid =
        Counter.builder("patchwork.transactions.committed")
            .description("Transactions a peer committed, by outcome")
            .tags(tags.and("outcome", "invalid"))
            .register(registry);
    peer.ledger()
        .onCommit(
            block ->
                block
                    .transactions()
                    .forEach(
                        tx -> {
                          if (tx.code() == TxValidationCode.VALID) {
                            valid.increment();
                          } else {
                            invalid.increment();
                          }
                        }));
  }

  /** Stops reporting a ledger whose nodes stopped. */
  public void forget(String ledgerId) {
    registry.getMeters().stream()
        .filter(meter -> ledgerId.equals(meter.getId().getTag("ledger")))
        .toList()
        .forEach(registry::remove);
  }
}
