package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.client.CallOption;
import org.hyperledger.fabric.client.ChaincodeEvent;
import org.hyperledger.fabric.client.CloseableIterator;
import org.hyperledger.fabric.client.CommitException;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.EndorseException;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.GatewayRuntimeException;
import org.hyperledger.fabric.client.Network;
import org.hyperledger.fabric.client.Status;
import org.hyperledger.fabric.client.SubmittedTransaction;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The official Fabric Gateway client against a Patchwork ledger of real nodes. */
@Tag("cluster")
class GatewayLedgerTest {
  @TempDir Path directory;

  /** One orderer and three members' peers: four nodes. */
  private static Cluster.Options fourNodes() {
    return Cluster.options().organizations(3).orderers(1).blocks(100, Duration.ofMillis(20));
  }

  private static Cluster.Client admin(Cluster cluster, String mspId) throws Exception {
    return cluster.admin(mspId);
  }

  @Test
  void a_submitted_transfer_commits_valid_and_its_result_events_and_blocks_reach_the_client()
      throws Exception {
    Cluster.run(
        directory,
        fourNodes(),
        cluster -> {
          Gateway gateway = cluster.gateway(admin(cluster, "BankAMSP"), "peer0");
          Network network = gateway.getNetwork("trade");
          Contract token = network.getContract("ledger-token");
          try (CloseableIterator<ChaincodeEvent> events =
                  network.getChaincodeEvents("ledger-token");
              CloseableIterator<Block> blocks = network.getBlockEvents()) {

            SubmittedTransaction issued =
                token
                    .newProposal("issue")
                    .addArguments("BankAMSP", "1000")
                    .build()
                    .endorse()
                    .submitAsync();
            Status issuedStatus = issued.getStatus();
            assertThat(issuedStatus.isSuccessful()).isTrue();
            assertThat(issuedStatus.getCode()).isEqualTo(TxValidationCode.VALID);
            assertThat(issuedStatus.getBlockNumber()).isPositive();

            byte[] transferred = token.submitTransaction("transfer", "BankAMSP", "BankBMSP", "250");
            assertThat(new String(transferred, StandardCharsets.UTF_8)).isNotEmpty();

            assertThat(
                    new String(
                        token.evaluateTransaction("balance", "BankBMSP"), StandardCharsets.UTF_8))
                .contains("250");
            ChaincodeEvent first = events.next();
            assertThat(first.getChaincodeName()).isEqualTo("ledger-token");
            assertThat(first.getTransactionId()).isEqualTo(issued.getTransactionId());
            assertThat(first.getBlockNumber()).isEqualTo(issuedStatus.getBlockNumber());
            Block block = blocks.next();
            assertThat(block.getHeader().getNumber()).isGreaterThanOrEqualTo(1);
          }
        });
  }

  @Test
  void
      two_transfers_from_the_same_account_endorsed_together_commit_one_and_refuse_the_other_as_mvcc_conflict()
          throws Exception {
    Cluster.run(
        directory,
        fourNodes(),
        cluster -> {
          Contract token = cluster.token(admin(cluster, "BankAMSP"));
          token.submitTransaction("issue", "BankAMSP", "1000");

          var first =
              token
                  .newProposal("transfer")
                  .addArguments("BankAMSP", "BankBMSP", "10")
                  .build()
                  .endorse();
          var second =
              token
                  .newProposal("transfer")
                  .addArguments("BankAMSP", "BankCMSP", "10")
                  .build()
                  .endorse();
          Status firstStatus = first.submitAsync().getStatus();

          assertThat(firstStatus.getCode()).isEqualTo(TxValidationCode.VALID);
          assertThatThrownBy(second::submit)
              .isInstanceOfSatisfying(
                  CommitException.class,
                  e -> assertThat(e.getCode()).isEqualTo(TxValidationCode.MVCC_READ_CONFLICT));
          assertThat(
                  new String(
                      token.evaluateTransaction("balance", "BankAMSP"), StandardCharsets.UTF_8))
              .contains("990");
        });
  }

  @Test
  void a_contract_refusal_reaches_the_client_as_an_endorse_exception_with_details()
      throws Exception {
    Cluster.run(
        directory,
        fourNodes(),
        cluster -> {
          Contract token = cluster.token(cluster.client("BankAMSP", "alice"));

          assertThatThrownBy(() -> token.submitTransaction("transfer", "BankAMSP", "BankBMSP", "5"))
              .isInstanceOfSatisfying(
                  EndorseException.class,
                  e -> {
                    assertThat(e.getDetails()).isNotEmpty();
                    assertThat(e.getDetails().get(0).getMessage()).contains("INSUFFICIENT_FUNDS");
                  });
        });
  }

  @Test
  void events_asked_for_a_ledger_this_peer_does_not_serve_are_refused_as_not_found()
      throws Exception {
    Cluster.run(
        directory,
        fourNodes(),
        cluster -> {
          Network elsewhere =
              cluster.gateway(cluster.client("BankAMSP", "alice"), "peer0").getNetwork("elsewhere");

          // The deadline makes a peer that served another ledger's events fail this test, not hang
          // it.
          try (CloseableIterator<ChaincodeEvent> events =
              elsewhere
                  .newChaincodeEventsRequest("ledger-token")
                  .build()
                  .getEvents(CallOption.deadlineAfter(10, TimeUnit.SECONDS))) {
            assertThatThrownBy(events::next)
                .isInstanceOfSatisfying(
                    GatewayRuntimeException.class,
                    e ->
                        assertThat(e.getStatus().getCode())
                            .isEqualTo(io.grpc.Status.Code.NOT_FOUND));
          }
        });
  }
}
