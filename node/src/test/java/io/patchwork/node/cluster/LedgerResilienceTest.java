package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.governance.GovernanceDecisions;
import io.patchwork.node.governance.GovernanceEncoding;
import io.patchwork.node.governance.GovernanceRecords;
import io.patchwork.node.order.OrdererNode;
import io.patchwork.node.peer.PeerLedger;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.state.BlockUpdate;
import io.patchwork.node.state.SnapshotInfo;
import io.patchwork.node.state.StateEntry;
import io.patchwork.node.state.StateKey;
import io.patchwork.node.state.StateResources;
import io.patchwork.node.state.TxRecord;
import io.patchwork.node.state.VersionedValue;
import io.patchwork.node.state.WorldState;
import io.patchwork.node.store.BlockStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.Status;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Losing nodes: the Raft leader under load, a peer that stops and comes back, a world-state write
 * that fails.
 */
@Tag("cluster")
class LedgerResilienceTest {
  @TempDir Path directory;

  @Test
  void stopping_the_raft_leader_during_submissions_loses_no_transaction_the_client_saw_committed()
      throws Exception {
    Cluster.run(
        directory,
        Cluster.options().organizations(3).orderers(3).blocks(50, Duration.ofMillis(20)),
        cluster -> {
          Contract token = cluster.token(cluster.admin("BankAMSP"));
          token.submitTransaction("issue", "BankAMSP", "1000000");
          ConcurrentLinkedQueue<String> committed = new ConcurrentLinkedQueue<>();
          AtomicBoolean running = new AtomicBoolean(true);
          ExecutorService clients = Executors.newFixedThreadPool(4);
          List<Future<?>> loops = new ArrayList<>();
          for (int c = 0; c < 4; c++) {
            String to = Cluster.mspId(1 + c % 2) + "/client" + c;
            loops.add(
                clients.submit(
                    () -> {
                      while (running.get()) {
                        try {
                          // Each client spends from its own sub-account so they do not conflict.
                          Status status =
                              token
                                  .newProposal("issue")
                                  .addArguments("BankAMSP/c" + to.hashCode(), "1")
                                  .build()
                                  .endorse()
                                  .submitAsync()
                                  .getStatus();
                          if (status.isSuccessful()) {
                            committed.add(status.getTransactionId());
                          }
                        } catch (Exception e) {
                          // Refused or timed out while the leader was away: not seen committed.
                        }
                      }
                      return null;
                    }));
          }
          waitUntil(() -> committed.size() >= 20, Duration.ofSeconds(30));
          OrdererNode leader = awaitLeader(cluster);
          int beforeKill = committed.size();
          cluster.ledger().stopOrderer(leader.nodeId());
          waitUntil(() -> committed.size() >= beforeKill + 40, Duration.ofSeconds(60));
          running.set(false);
          for (Future<?> loop : loops) {
            loop.get(90, TimeUnit.SECONDS);
          }
          clients.shutdown();

          OrdererNode newLeader = awaitLeader(cluster);
          assertThat(newLeader.nodeId()).isNotEqualTo(leader.nodeId());
          long height = cluster.ledger().peers().get(0).ledger().height();
          cluster.awaitHeight(height, Duration.ofSeconds(30));
          for (PeerNode peer : cluster.ledger().peers()) {
            for (String txId : committed) {
              Optional<TxRecord> record = peer.ledger().state().transaction(txId);
              assertThat(record).as("%s on %s", txId, peer.nodeId()).isPresent();
              assertThat(record.get().validationCode()).isEqualTo(TxValidationCode.VALID_VALUE);
            }
          }
          assertSameState(cluster);
        });
  }

  @Test
  void a_stopped_peer_restarts_on_its_data_catches_up_and_reaches_the_same_state_hash()
      throws Exception {
    Cluster.run(
        directory,
        Cluster.options().organizations(3).orderers(1).blocks(20, Duration.ofMillis(20)),
        cluster -> {
          Contract token = cluster.token(cluster.admin("BankAMSP"));
          token.submitTransaction("issue", "BankAMSP", "1000");
          token.submitTransaction("transfer", "BankAMSP", "BankBMSP", "10");
          // The gateway's peer has the block; wait until peer2 has it too before stopping it.
          cluster.awaitHeight(
              cluster.ledger().peer("peer0").ledger().height(), Duration.ofSeconds(30));
          long heightBefore = cluster.ledger().peer("peer2").ledger().height();

          cluster.ledger().stopPeer("peer2");
          // The policy needs two organisations of three; peers 0 and 1 still make it.
          for (int i = 0; i < 10; i++) {
            token.submitTransaction("transfer", "BankAMSP", "BankBMSP", "1");
            // Each transfer reads the balance the one before wrote: peer1 must have that block
            // before it endorses the next one, or its result differs from peer0's (ABORTED).
            cluster.awaitHeight(
                cluster.ledger().peer("peer0").ledger().height(), Duration.ofSeconds(30));
          }
          PeerNode restarted = cluster.ledger().startPeer("peer2");
          assertThat(restarted.ledger().height()).isEqualTo(heightBefore);
          cluster.awaitHeight(
              cluster.ledger().peer("peer0").ledger().height(), Duration.ofSeconds(30));

          assertSameState(cluster);
          assertThat(restarted.ledger().state().recomputeStateHash())
              .isEqualTo(restarted.ledger().state().stateHash());
          assertThat(
                  new String(
                      token.evaluateTransaction("balance", "BankBMSP"), StandardCharsets.UTF_8))
              .contains("20");
        });
  }

  @Test
  void
      a_peer_started_from_another_peers_snapshot_replays_only_later_blocks_and_reaches_the_same_state()
          throws Exception {
    Cluster.run(
        directory,
        Cluster.options().organizations(3).orderers(1).blocks(20, Duration.ofMillis(20)),
        cluster -> {
          Contract token = cluster.token(cluster.admin("BankAMSP"));
          token.submitTransaction("issue", "BankAMSP", "1000");
          for (int i = 0; i < 5; i++) {
            token.submitTransaction("transfer", "BankAMSP", "BankCMSP", "3");
          }
          Path snapshot = directory.resolve("peer0.snapshot");
          SnapshotInfo info = cluster.ledger().peer("peer0").ledger().exportSnapshot(snapshot);
          cluster.ledger().stopPeer("peer2");
          deleteTree(directory.resolve("nodes/peer2"));
          token.submitTransaction("transfer", "BankAMSP", "BankCMSP", "4");

          PeerNode joined = cluster.ledger().startPeerFromSnapshot("peer2", snapshot);
          cluster.awaitHeight(
              cluster.ledger().peer("peer0").ledger().height(), Duration.ofSeconds(30));

          assertThat(joined.ledger().blocks().first()).isEqualTo(info.height());
          assertSameState(cluster);
          assertThat(
                  new String(
                      cluster
                          .gateway(cluster.admin("BankCMSP"), "peer2")
                          .getNetwork("trade")
                          .getContract("ledger-token")
                          .evaluateTransaction("balance", "BankCMSP"),
                      StandardCharsets.UTF_8))
              .contains("19");
        });
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  private static void assertSameState(Cluster cluster) {
    PeerNode first = cluster.ledger().peers().get(0);
    for (PeerNode peer : cluster.ledger().peers()) {
      assertThat(peer.ledger().height()).as(peer.nodeId()).isEqualTo(first.ledger().height());
      assertThat(peer.ledger().state().stateHash())
          .as("state hash of %s", peer.nodeId())
          .isEqualTo(first.ledger().state().stateHash());
    }
  }

  private static OrdererNode awaitLeader(Cluster cluster) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (OrdererNode orderer : cluster.ledger().orderers()) {
        if (orderer.isLeader()) {
          return orderer;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no Raft leader among the running orderers:\n" + cluster.dump());
  }

  private static void waitUntil(BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void a_world_state_write_that_fails_is_finished_when_the_block_comes_again() throws Exception {
    Cluster.run(
        directory,
        Cluster.options().organizations(3).orderers(1).blocks(20, Duration.ofMillis(20)),
        cluster -> {
          cluster.token(cluster.admin("BankAMSP")).submitTransaction("issue", "BankAMSP", "7");
          PeerNode source = cluster.ledger().peer("peer0");
          Block first = source.ledger().blocks().get(1).orElseThrow();
          try (StateResources resources = StateResources.create(8 << 20);
              BlockStore blocks = BlockStore.open(directory.resolve("fresh/blocks"));
              FailingOnce state =
                  new FailingOnce(WorldState.open(directory.resolve("fresh/state"), resources));
              PeerLedger fresh =
                  PeerLedger.open(
                      blocks, state, cluster.ledger().genesis(), new SignatureVerifier(1_000))) {
            state.failNext = true;
            assertThatThrownBy(() -> fresh.commit(first))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no file descriptors");
            // The block is stored, its state is not: the peer still expects block 1 ...
            assertThat(blocks.height()).isEqualTo(2);
            assertThat(fresh.height()).isEqualTo(1);
            // ... and takes it when it comes again, instead of refusing it as already stored.
            fresh.commit(first);
            assertThat(fresh.height()).isEqualTo(2);
            assertThat(fresh.state().stateHash()).isEqualTo(source.ledger().state().stateHash());
            for (long number = 2; number < source.ledger().height(); number++) {
              fresh.commit(source.ledger().blocks().get(number).orElseThrow());
            }
            assertThat(fresh.state().stateHash()).isEqualTo(source.ledger().state().stateHash());
          }
        });
  }

  @Test
  void a_peer_whose_state_fell_behind_its_blocks_replays_governance_records_as_it_committed_them()
      throws Exception {
    Cluster.run(
        directory,
        Cluster.options().organizations(3).orderers(1).blocks(20, Duration.ofMillis(20)),
        cluster -> {
          cluster.token(cluster.admin("BankAMSP")).submitTransaction("issue", "BankAMSP", "7");
          NodeSigner proposer = Cluster.signer(cluster.admin("BankAMSP"));
          SignedGovernanceProposal proposal =
              GovernanceDecisions.propose(
                  GovernanceProposal.newBuilder()
                      .setLedgerId("trade")
                      .setConfigSequence(cluster.config().getSequence())
                      .setProposerMspId("BankAMSP")
                      .setCreatedAtMillis(System.currentTimeMillis())
                      .setCloseLedger(
                          GovernanceProposal.CloseLedger.newBuilder().setSettlementAsset("EUR"))
                      .build(),
                  proposer);
          String id = GovernanceEncoding.proposalId(proposal.getProposal());
          assertThat(
                  cluster
                      .broadcast(
                          cluster.admin("BankAMSP"),
                          GovernanceRecords.proposalEnvelope(
                              "trade", proposal, proposer, Instant.now()))
                      .getStatus())
              .hasToString("SUCCESS");
          PeerNode source = cluster.ledger().peer("peer0");
          waitUntil(
              () -> GovernanceRecords.proposal(source.ledger().state(), id).isPresent(),
              Duration.ofSeconds(20));
          long height = source.ledger().height();
          // Every block stored, none of them in the world state: as after a crash between the two.
          try (StateResources resources = StateResources.create(8 << 20);
              BlockStore blocks = BlockStore.open(directory.resolve("behind/blocks"));
              WorldState state = WorldState.open(directory.resolve("behind/state"), resources)) {
            for (long number = 0; number < height; number++) {
              blocks.append(source.ledger().blocks().get(number).orElseThrow());
            }
            try (PeerLedger replayed =
                PeerLedger.open(
                    blocks, state, cluster.ledger().genesis(), new SignatureVerifier(1_000))) {
              assertThat(replayed.height()).isEqualTo(height);
              assertThat(replayed.rules().config()).isEqualTo(source.ledger().rules().config());
              assertThat(GovernanceRecords.proposal(replayed.state(), id)).contains(proposal);
              assertThat(replayed.state().stateHash())
                  .isEqualTo(source.ledger().state().stateHash());
            }
          }
        });
  }

  /** A world state whose next write fails, as when the process runs out of file descriptors. */
  private static final class FailingOnce implements WorldState {
    private final WorldState state;
    volatile boolean failNext;

    FailingOnce(WorldState state) {
      this.state = state;
    }

    @Override
    public void commit(BlockUpdate update) throws IOException {
      if (failNext) {
        failNext = false;
        throw new IOException("no file descriptors left");
      }
      state.commit(update);
    }

    @Override
    public Optional<VersionedValue> get(String namespace, String key) {
      return state.get(namespace, key);
    }

    @Override
    public List<StateEntry> range(String namespace, String startKey, String endKey, int limit) {
      return state.range(namespace, startKey, endKey, limit);
    }

    @Override
    public long height() {
      return state.height();
    }

    @Override
    public Optional<TxRecord> transaction(String txId) {
      return state.transaction(txId);
    }

    @Override
    public Set<String> committedTransactions(Collection<String> txIds) {
      return state.committedTransactions(txIds);
    }

    @Override
    public Map<StateKey, Optional<VersionedValue>> values(Collection<StateKey> keys) {
      return state.values(keys);
    }

    @Override
    public ByteString stateHash() {
      return state.stateHash();
    }

    @Override
    public Optional<ByteString> stateHashAt(long blockNumber) {
      return state.stateHashAt(blockNumber);
    }

    @Override
    public ByteString recomputeStateHash() {
      return state.recomputeStateHash();
    }

    @Override
    public SnapshotInfo exportSnapshot(Path file, ByteString peerMetadata) throws IOException {
      return state.exportSnapshot(file, peerMetadata);
    }

    @Override
    public void close() {
      state.close();
    }
  }
}
