package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.patchwork.node.peer.PeerNode;
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
import org.hyperledger.fabric.client.identity.Signers;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.gateway.ProposedTransaction;
import org.hyperledger.fabric.protos.peer.EndorserGrpc;
import org.hyperledger.fabric.protos.peer.ProposalResponse;
import org.hyperledger.fabric.protos.peer.SignedProposal;
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
  void an_endorser_asked_for_a_height_waits_for_it_or_says_how_far_behind_it_is() throws Exception {
    System.setProperty("patchwork.endorse.wait", "PT0.3S");
    try {
      Cluster.run(
          directory,
          fourNodes(),
          cluster -> {
            Cluster.Client admin = admin(cluster, "BankAMSP");
            Gateway gateway = cluster.gateway(admin, "peer0");
            Contract token = gateway.getNetwork("trade").getContract("ledger-token");
            token.submitTransaction("issue", "BankAMSP", "1000");
            PeerNode peer1 = cluster.ledger().peers().get(1);
            cluster.awaitHeight(
                cluster.ledger().peers().get(0).ledger().height(), Duration.ofSeconds(10));
            long height = peer1.ledger().height();
            EndorserGrpc.EndorserBlockingStub endorser =
                EndorserGrpc.newBlockingStub(cluster.channel(admin, "peer1"));

            // At the height asked, or without a height (Fabric's gateways): it endorses at once.
            assertThat(
                    asking(endorser, height)
                        .processProposal(signed(gateway, admin))
                        .getResponse()
                        .getStatus())
                .isEqualTo(200);
            assertThat(
                    endorser
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .processProposal(signed(gateway, admin))
                        .getResponse()
                        .getStatus())
                .isEqualTo(200);

            // Three blocks ahead of it, which do not come: after the wait it says how far behind
            // it is, and nothing is endorsed.
            long asked = System.nanoTime();
            ProposalResponse behind =
                asking(endorser, height + 3).processProposal(signed(gateway, admin));
            assertThat(Duration.ofNanos(System.nanoTime() - asked))
                .isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThat(behind.getResponse().getStatus()).isEqualTo(503);
            assertThat(behind.getResponse().getMessage())
                .contains("peer1")
                .contains("3 block(s) behind")
                .contains("did not catch up within 300 ms");
            assertThat(behind.hasEndorsement()).isFalse();

            // One block ahead, which a transaction brings: it waits for the block, then endorses.
            var waiting =
                EndorserGrpc.newFutureStub(cluster.channel(admin, "peer1"))
                    .withInterceptors(heightHeader(height + 1))
                    .processProposal(signed(gateway, admin));
            token.submitTransaction("issue", "BankAMSP", "5");
            assertThat(waiting.get(10, TimeUnit.SECONDS).getResponse().getStatus()).isEqualTo(200);
          });
    } finally {
      System.clearProperty("patchwork.endorse.wait");
    }
  }

  /** A balance query as the official client signs it, for an endorser asked directly. */
  private static SignedProposal signed(Gateway gateway, Cluster.Client client) throws Exception {
    org.hyperledger.fabric.client.Proposal proposal =
        gateway
            .getNetwork("trade")
            .getContract("ledger-token")
            .newProposal("balance")
            .addArguments("BankAMSP")
            .build();
    byte[] signature =
        Signers.newPrivateKeySigner(client.signing().privateKey()).sign(proposal.getDigest());
    return ProposedTransaction.parseFrom(
            gateway.newSignedProposal(proposal.getBytes(), signature).getBytes())
        .getProposal();
  }

  private static EndorserGrpc.EndorserBlockingStub asking(
      EndorserGrpc.EndorserBlockingStub endorser, long height) {
    return endorser.withInterceptors(heightHeader(height)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** The header a Patchwork gateway sends: it simulated with the blocks below {@code height}. */
  private static ClientInterceptor heightHeader(long height) {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("patchwork-read-height", Metadata.ASCII_STRING_MARSHALLER),
        Long.toString(height));
    return MetadataUtils.newAttachHeadersInterceptor(headers);
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
