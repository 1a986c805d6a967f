package io.patchwork.manager.ledger;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.patchwork.node.host.LocalLedger;
import io.patchwork.node.order.OrdererNode;
import io.patchwork.node.peer.CommittedBlock;
import io.patchwork.node.peer.PeerNode;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Payload;
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
      Gauge.builder("patchwork.raft.term", orderer, OrdererNode::term)
          .description("The Raft term the orderer is in")
          .tags(tags)
          .register(registry);
    }
    for (PeerNode peer : ledger.peers()) {
      watchPeer(ledgerId, ledger, peer);
    }
    // Commit latency as applications see it, measured on one peer: from the client's transaction
    // timestamp to the peer's commit.
    if (!ledger.peers().isEmpty()) {
      Timer latency =
          Timer.builder("patchwork.commit.latency")
              .description("From a transaction's client timestamp to its commit on a peer")
              .tags(Tags.of("ledger", ledgerId))
              .publishPercentiles(0.5, 0.99)
              .register(registry);
      ledger.peers().get(0).ledger().onCommit(block -> recordLatency(latency, block));
    }
  }

  private static void recordLatency(Timer latency, CommittedBlock committed) {
    long now = System.currentTimeMillis();
    for (ByteString data : committed.block().getData().getDataList()) {
      try {
        Timestamp sent =
            ChannelHeader.parseFrom(
                    Payload.parseFrom(Envelope.parseFrom(data).getPayload())
                        .getHeader()
                        .getChannelHeader())
                .getTimestamp();
        long millis = now - (sent.getSeconds() * 1000 + sent.getNanos() / 1_000_000);
        if (millis >= 0) {
          latency.record(millis, TimeUnit.MILLISECONDS);
        }
      } catch (InvalidProtocolBufferException e) {
        // a transaction the peer marked invalid for its form: it has no latency to report
      }
    }
  }

  /** Starts reporting a peer added to a running ledger. */
  public void watchPeer(String ledgerId, LocalLedger ledger, PeerNode peer) {
    Tags tags = Tags.of("ledger", ledgerId, "node", peer.nodeId(), "kind", "peer");
    Gauge.builder("patchwork.node.height", peer, node -> node.ledger().height())
        .description("Blocks the node holds")
        .tags(tags)
        .register(registry);
    Gauge.builder(
            "patchwork.peer.lag",
            peer,
            node ->
                ledger.peers().stream().mapToLong(p -> p.ledger().height()).max().orElse(0)
                    - node.ledger().height())
        .description("Blocks the peer is behind the ledger's furthest peer")
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
