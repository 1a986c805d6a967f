package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.node.order.OrdererNode;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.state.TxRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Status;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Block cutting on a running Raft group: the batch timeout bounds how long a transaction waits for
 * others to share its block, but an orderer with nothing more on its way into the block does not
 * sit it out; under concurrent load envelopes still share blocks.
 */
@Tag("cluster")
class BlockCuttingTest {
  /**
   * The longest a ledger allows, twice what {@link Cluster#awaitTransaction} waits: a cut that sat
   * it out would fail the test.
   */
  private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path directory;

  private static Cluster.Options threeOrderers() {
    return Cluster.options().organizations(2).orderers(3).blocks(100, BATCH_TIMEOUT);
  }

  @Test
  void a_lone_transaction_is_cut_into_its_own_block_at_once_whichever_orderer_it_reaches()
      throws Exception {
    Cluster.run(
        directory,
        threeOrderers(),
        cluster -> {
          Cluster.Client admin = cluster.admin("BankAMSP");
          Contract token = cluster.token(admin);
          PeerNode peer = cluster.ledger().peers().get(0);
          // The leader orders what reaches it; a follower's envelopes reach the leader through
          // Raft, and the leader cuts them as soon as they are applied.
          for (OrdererNode orderer : cluster.ledger().orderers()) {
            var endorsed =
                token.newProposal("issue").addArguments("BankAMSP", "10").build().endorse();
            Envelope signed = Cluster.signed(endorsed, Cluster.signer(admin));
            long height = peer.ledger().height();

            assertThat(cluster.broadcastTo(admin, orderer.nodeId(), signed).getStatus())
                .as("broadcast to %s", orderer.nodeId())
                .isEqualTo(Status.SUCCESS);
            TxRecord committed = cluster.awaitTransaction(peer, endorsed.getTransactionId());

            assertThat(committed.validationCode()).isZero();
            assertThat(committed.blockNumber()).isEqualTo(height);
            assertThat(peer.ledger().blocks().get(height).orElseThrow().getData().getDataCount())
                .as("transactions in the block cut for the one sent to %s", orderer.nodeId())
                .isEqualTo(1);
          }
        });
  }

  @Test
  void transactions_sent_together_share_blocks() throws Exception {
    int transactions = 64;
    Cluster.run(
        directory,
        threeOrderers(),
        cluster -> {
          Contract token = cluster.token(cluster.admin("BankAMSP"));
          long from = cluster.ledger().peers().get(0).ledger().height();
          ExecutorService senders = Executors.newFixedThreadPool(transactions);
          try {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < transactions; i++) {
              String account = "BankAMSP/a" + i;
              sent.add(senders.submit(() -> token.submitTransaction("issue", account, "5")));
            }
            for (Future<?> transaction : sent) {
              transaction.get(60, TimeUnit.SECONDS);
            }
          } finally {
            senders.shutdownNow();
          }
          PeerNode peer = cluster.ledger().peers().get(0);
          Set<Long> blocks = new HashSet<>();
          int counted = 0;
          for (long number = from; number < peer.ledger().height(); number++) {
            int count = peer.ledger().blocks().get(number).orElseThrow().getData().getDataCount();
            counted += count;
            blocks.add(number);
          }
          assertThat(counted).isEqualTo(transactions);
          assertThat(blocks.size())
              .as("blocks holding %d transactions sent at once", transactions)
              .isLessThan(transactions / 2);
        });
  }
}
