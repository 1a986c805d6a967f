package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.node.config.ConfigTransactions;
import io.patchwork.node.config.proto.ConfigSignature;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Peer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.orderer.BroadcastResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A genesis peer's address in the config changes with that peer's own signature (a manager instance
 * that took the peer over says where it runs now), and with nothing less: not another peer's
 * signature, and not for a change of anything else.
 */
@Tag("cluster")
class PeerMoveTest {
  @TempDir Path directory;

  @Test
  void a_peer_moves_in_the_config_with_its_own_signature_and_with_no_other() throws Exception {
    Cluster.run(
        directory,
        LedgerSecurityTest.threeMembers(),
        cluster -> {
          LedgerConfig current = cluster.config();
          Peer peer1 = current.getPeers(1);
          LedgerConfig moved =
              current.toBuilder()
                  .setSequence(current.getSequence() + 1)
                  .setPeers(1, peer1.toBuilder().setHost("10.9.8.7").setPort(24001))
                  .build();
          Cluster.Client submitter = cluster.admin(peer1.getMspId());

          // Signed by another organisation's peer: refused, nothing changes.
          BroadcastResponse byAnother =
              cluster.broadcast(
                  submitter, update(moved, List.of(sign(cluster, moved, "peer0")), submitter));
          assertThat(byAnother.getStatus()).isEqualTo(Status.BAD_REQUEST);
          assertThat(byAnother.getInfo())
              .contains("peer peer1 of " + peer1.getMspId() + " moves to 10.9.8.7:24001")
              .contains("without its own signature");

          // Signed by the peer, but it changes the block cutting too: the admins' policy applies.
          LedgerConfig more =
              moved.toBuilder()
                  .setBlockCutting(moved.getBlockCutting().toBuilder().setMaxTransactions(7))
                  .build();
          BroadcastResponse tooMuch =
              cluster.broadcast(
                  submitter, update(more, List.of(sign(cluster, more, "peer1")), submitter));
          assertThat(tooMuch.getStatus()).isEqualTo(Status.BAD_REQUEST);
          assertThat(tooMuch.getInfo()).contains("the policy needs 2");
          assertThat(cluster.config().getSequence()).isEqualTo(current.getSequence());

          // Signed by the peer itself: every peer takes the new address at the next sequence.
          BroadcastResponse byItself =
              cluster.broadcast(
                  submitter, update(moved, List.of(sign(cluster, moved, "peer1")), submitter));
          assertThat(byItself.getStatus()).as(byItself.getInfo()).isEqualTo(Status.SUCCESS);
          cluster.awaitSequence(moved.getSequence());
          assertThat(cluster.config().getPeers(1).getHost()).isEqualTo("10.9.8.7");
          assertThat(cluster.config().getPeers(1).getPort()).isEqualTo(24001);
          assertThat(cluster.config().getPeers(0)).isEqualTo(current.getPeers(0));
        });
  }

  private static ConfigSignature sign(Cluster cluster, LedgerConfig next, String peerId) {
    return ConfigTransactions.sign(next, cluster.ledger().signer(peerId));
  }

  private static Envelope update(
      LedgerConfig next, List<ConfigSignature> signatures, Cluster.Client submitter) {
    return ConfigTransactions.envelope(next, signatures, Cluster.signer(submitter), Instant.now());
  }
}
