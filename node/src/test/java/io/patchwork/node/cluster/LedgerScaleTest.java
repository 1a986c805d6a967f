package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.peer.PeerNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.Status;
import org.hyperledger.fabric.client.SubmittedTransaction;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ledgers of the sizes Patchwork is for, all nodes in one JVM on this machine. */
@Tag("cluster")
class LedgerScaleTest {
  @TempDir Path directory;

  @Test
  void a_20_node_ledger_starts_and_every_peer_commits_the_same_transactions() throws Exception {
    // 3 orderers + 17 members with one peer each.
    runLedger(Cluster.options().organizations(17).orderers(3), 20);
  }

  @Test
  void a_100_node_ledger_starts_and_every_peer_commits_the_same_transactions() throws Exception {
    // 5 orderers + 19 members with five peers each.
    runLedger(Cluster.options().organizations(19).orderers(5).peersPerOrganization(5), 100);
  }

  private void runLedger(Cluster.Options options, int nodes) throws Exception {
    Cluster.run(
        directory,
        options.endorsement(EndorsementPolicy.Rule.AT_LEAST, 2).blocks(200, Duration.ofMillis(50)),
        cluster -> {
          assertThat(cluster.ledger().peers().size() + cluster.ledger().orderers().size())
              .isEqualTo(nodes);
          List<Contract> tokens = new ArrayList<>();
          for (int member = 0; member < 3; member++) {
            String mspId = Cluster.mspId(member);
            PeerNode gatewayPeer =
                cluster.ledger().peers().stream()
                    .filter(p -> p.mspId().equals(mspId))
                    .findFirst()
                    .orElseThrow();
            tokens.add(
                cluster
                    .gateway(cluster.admin(mspId), gatewayPeer.nodeId())
                    .getNetwork("trade")
                    .getContract("ledger-token"));
          }
          List<SubmittedTransaction> submitted = new ArrayList<>();
          for (int member = 0; member < tokens.size(); member++) {
            Contract token = tokens.get(member);
            String account = Cluster.mspId(member);
            for (int i = 0; i < 20; i++) {
              submitted.add(
                  token
                      .newProposal("issue")
                      .addArguments(account + "/a" + i, "5")
                      .build()
                      .endorse()
                      .submitAsync());
            }
          }
          for (SubmittedTransaction transaction : submitted) {
            Status status = transaction.getStatus();
            assertThat(status.isSuccessful()).as(status.getCode().name()).isTrue();
          }
          long height =
              cluster.ledger().peers().stream()
                  .mapToLong(p -> p.ledger().height())
                  .max()
                  .orElseThrow();
          cluster.awaitHeight(height, Duration.ofSeconds(60));
          var first = cluster.ledger().peers().get(0).ledger().state().stateHash();
          for (PeerNode peer : cluster.ledger().peers()) {
            assertThat(peer.ledger().state().stateHash()).as(peer.nodeId()).isEqualTo(first);
          }
          assertThat(
                  new String(
                      tokens.get(0).evaluateTransaction("totalSupply"), StandardCharsets.UTF_8))
              .contains("300");
        });
  }
}
