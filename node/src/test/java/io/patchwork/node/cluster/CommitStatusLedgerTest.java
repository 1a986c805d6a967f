package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.patchwork.node.config.proto.CommitStatusPolicy;
import io.patchwork.node.config.proto.EndorsementPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.client.CommitStatusException;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.Gateway;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-after-commit across members: with a commit status policy that waits for every member's peers
 * — or, for a counterparty that endorsed the transaction, for the endorsers' peers — what one
 * member's application saw commit can be read at once through another member's peer ("bank A
 * records, bank C accepts through its own peer"), and a peer that does not commit in time is named
 * in the commit status error.
 */
@Tag("cluster")
class CommitStatusLedgerTest {
  /** Counterparty flows, each a record and an accept in a row, run by four workers at once. */
  private static final int ROUNDS = 1_000;

  private static final int WORKERS = 4;

  @TempDir Path directory;

  private static Cluster.Options threeMembers() {
    return Cluster.options().organizations(3).orderers(1).blocks(100, Duration.ofMillis(20));
  }

  @Test
  void a_counterparty_accepts_through_its_own_peer_at_once_when_every_members_peer_committed()
      throws Exception {
    Cluster.run(
        directory,
        threeMembers(),
        cluster -> {
          waitFor(cluster, CommitStatusPolicy.Scope.ALL_MEMBERS, 5_000);
          // Two of three organisations endorse, Bank A's gateway asking Bank B and Bank C in turn:
          // half the records Bank C did not endorse, and only ALL_MEMBERS waits for its peer then.
          counterpartyFlows(cluster, "BankCMSP", "peer2");
        });
  }

  @Test
  void
      a_counterparty_that_endorsed_accepts_through_its_own_peer_at_once_when_the_endorsers_peers_committed()
          throws Exception {
    Cluster.run(
        directory,
        Cluster.options()
            .organizations(2)
            .orderers(1)
            .endorsement(EndorsementPolicy.Rule.AT_LEAST, 2)
            .blocks(100, Duration.ofMillis(20)),
        cluster -> {
          waitFor(cluster, CommitStatusPolicy.Scope.ENDORSING_ORGANIZATIONS, 5_000);
          counterpartyFlows(cluster, "BankBMSP", "peer1");
        });
  }

  /**
   * Bank A records obligations to the counterparty through peer0; as soon as each commit status
   * answered, the counterparty accepts it through its own peer: {@value #ROUNDS} flows, by {@value
   * #WORKERS} workers at once, none may fail.
   */
  private static void counterpartyFlows(Cluster cluster, String counterpartyMsp, String peerId)
      throws Exception {
    Contract recorder = obligations(cluster, "BankAMSP", "peer0");
    Contract counterparty = obligations(cluster, counterpartyMsp, peerId);
    ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
    try {
      List<Future<Integer>> flows = new ArrayList<>();
      for (int w = 0; w < WORKERS; w++) {
        int worker = w;
        flows.add(
            workers.submit(
                () -> {
                  for (int i = 0; i < ROUNDS / WORKERS; i++) {
                    String id = "o" + worker + "-" + i;
                    recorder.submitTransaction(
                        "record", id, "BankAMSP", counterpartyMsp, "EUR", "1");
                    // The commit status answered: the counterparty's own peer has it already.
                    counterparty.submitTransaction("accept", id);
                  }
                  return ROUNDS / WORKERS;
                }));
      }
      int accepted = 0;
      for (Future<Integer> flow : flows) {
        accepted += flow.get(300, TimeUnit.SECONDS);
      }
      assertThat(accepted).isEqualTo(ROUNDS);
    } finally {
      workers.shutdownNow();
    }
    assertThat(
            new String(
                counterparty.evaluateTransaction("list", "ACCEPTED"),
                java.nio.charset.StandardCharsets.UTF_8))
        .contains("o3-" + (ROUNDS / WORKERS - 1));
  }

  @Test
  void a_peer_that_does_not_commit_in_time_is_named_in_the_commit_status_error() throws Exception {
    Cluster.run(
        directory,
        threeMembers(),
        cluster -> {
          waitFor(cluster, CommitStatusPolicy.Scope.ALL_MEMBERS, 1_000);
          Contract recorder = obligations(cluster, "BankAMSP", "peer0");
          recorder.submitTransaction("record", "o1", "BankAMSP", "BankBMSP", "EUR", "1");
          cluster.ledger().stopPeer("peer2");
          long started = System.nanoTime();
          assertThatThrownBy(
                  () ->
                      recorder.submitTransaction(
                          "record", "o2", "BankAMSP", "BankBMSP", "EUR", "1"))
              .isInstanceOfSatisfying(
                  CommitStatusException.class,
                  e -> {
                    assertThat(e.getStatus().getCode())
                        .isEqualTo(io.grpc.Status.Code.DEADLINE_EXCEEDED);
                    assertThat(e.getMessage())
                        .contains("committed in block")
                        .contains("ALL_MEMBERS")
                        .contains("BankCMSP");
                    assertThat(e.getDetails())
                        .anySatisfy(d -> assertThat(d.getMspId()).isEqualTo("BankCMSP"));
                  });
          assertThat(Duration.ofNanos(System.nanoTime() - started))
              .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        });
  }

  /** Puts (admin-signed) a commit status policy in force. */
  private static void waitFor(Cluster cluster, CommitStatusPolicy.Scope scope, long timeoutMillis)
      throws Exception {
    cluster.updateConfig(
        config ->
            config.setCommitStatus(
                CommitStatusPolicy.newBuilder().setScope(scope).setTimeoutMillis(timeoutMillis)));
  }

  private static Contract obligations(Cluster cluster, String mspId, String peerId)
      throws Exception {
    Gateway gateway = cluster.gateway(cluster.admin(mspId), peerId);
    return gateway.getNetwork("trade").getContract("obligations");
  }
}
