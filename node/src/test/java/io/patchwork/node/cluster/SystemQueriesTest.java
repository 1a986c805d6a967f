package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.patchwork.node.block.BlockHashes;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.tx.TransactionIds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.GatewayException;
import org.hyperledger.fabric.client.Network;
import org.hyperledger.fabric.client.Status;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockchainInfo;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.peer.ChaincodeID;
import org.hyperledger.fabric.protos.peer.ChaincodeInput;
import org.hyperledger.fabric.protos.peer.ChaincodeInvocationSpec;
import org.hyperledger.fabric.protos.peer.ChaincodeProposalPayload;
import org.hyperledger.fabric.protos.peer.ChaincodeSpec;
import org.hyperledger.fabric.protos.peer.ChannelQueryResponse;
import org.hyperledger.fabric.protos.peer.EndorserGrpc;
import org.hyperledger.fabric.protos.peer.ProcessedTransaction;
import org.hyperledger.fabric.protos.peer.Proposal;
import org.hyperledger.fabric.protos.peer.ProposalResponse;
import org.hyperledger.fabric.protos.peer.SignedProposal;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queries Fabric's tools and clients send a peer's system chaincodes, qscc and cscc: through
 * the official Gateway client on the ledger, and as Fabric's {@code peer} CLI sends them (straight
 * to the Endorser service, with no channel in the header).
 */
@Tag("cluster")
class SystemQueriesTest {
  private static final String LEDGER = "trade";

  @TempDir Path directory;

  private static Cluster.Options threeNodes() {
    return Cluster.options().organizations(2).orderers(1).blocks(100, Duration.ofMillis(20));
  }

  @Test
  void qscc_answers_chain_info_blocks_and_transactions_as_a_fabric_peer_does() throws Exception {
    Cluster.run(
        directory,
        threeNodes(),
        cluster -> {
          Cluster.Client admin = cluster.admin("BankAMSP");
          Network network = cluster.gateway(admin, "peer0").getNetwork(LEDGER);
          Contract token = network.getContract("ledger-token");
          var submitted =
              token.newProposal("issue").addArguments("BankAMSP", "7").build().endorse();
          Status status = submitted.submitAsync().getStatus();
          cluster.awaitHeight(status.getBlockNumber() + 1, Duration.ofSeconds(10));
          Contract qscc = network.getContract("qscc");

          BlockchainInfo info =
              BlockchainInfo.parseFrom(qscc.evaluateTransaction("GetChainInfo", LEDGER));
          assertThat(info.getHeight()).isGreaterThan(status.getBlockNumber());
          Block last =
              Block.parseFrom(
                  qscc.evaluateTransaction(
                      "GetBlockByNumber", LEDGER, Long.toString(info.getHeight() - 1)));
          assertThat(last.getHeader().getNumber()).isEqualTo(info.getHeight() - 1);
          assertThat(info.getCurrentBlockHash().toByteArray())
              .isEqualTo(BlockHashes.headerHash(last.getHeader()));
          assertThat(info.getPreviousBlockHash()).isEqualTo(last.getHeader().getPreviousHash());

          Block committed =
              Block.parseFrom(
                  qscc.evaluateTransaction(
                      "GetBlockByNumber", LEDGER, Long.toString(status.getBlockNumber())));
          byte[] hash = BlockHashes.headerHash(committed.getHeader());
          assertThat(
                  Block.parseFrom(
                      qscc.newProposal("GetBlockByHash")
                          .addArguments(LEDGER.getBytes(StandardCharsets.UTF_8), hash)
                          .build()
                          .evaluate()))
              .isEqualTo(committed);
          assertThat(
                  Block.parseFrom(
                      qscc.evaluateTransaction(
                          "GetBlockByTxID", LEDGER, submitted.getTransactionId())))
              .isEqualTo(committed);

          ProcessedTransaction processed =
              ProcessedTransaction.parseFrom(
                  qscc.evaluateTransaction(
                      "GetTransactionByID", LEDGER, submitted.getTransactionId()));
          assertThat(processed.getValidationCode()).isEqualTo(TxValidationCode.VALID_VALUE);
          Payload payload = Payload.parseFrom(processed.getTransactionEnvelope().getPayload());
          assertThat(ChannelHeader.parseFrom(payload.getHeader().getChannelHeader()).getTxId())
              .isEqualTo(submitted.getTransactionId());

          ChannelQueryResponse channels =
              ChannelQueryResponse.parseFrom(
                  network.getContract("cscc").evaluateTransaction("GetChannels"));
          assertThat(channels.getChannelsList())
              .singleElement()
              .satisfies(channel -> assertThat(channel.getChannelId()).isEqualTo(LEDGER));
          Block config =
              Block.parseFrom(
                  network.getContract("cscc").evaluateTransaction("GetConfigBlock", LEDGER));
          assertThat(config.getHeader().getNumber()).isZero();
        });
  }

  @Test
  void bad_arguments_and_unknown_ledgers_are_answered_with_fabric_errors() throws Exception {
    Cluster.run(
        directory,
        threeNodes(),
        cluster -> {
          Contract qscc =
              cluster
                  .gateway(cluster.admin("BankAMSP"), "peer0")
                  .getNetwork(LEDGER)
                  .getContract("qscc");
          assertRefused(
              () -> qscc.evaluateTransaction("GetBlockByNumber", LEDGER, "ten"),
              "Failed to parse block number");
          assertRefused(
              () -> qscc.evaluateTransaction("GetBlockByNumber", LEDGER, "999"),
              "Failed to get block number 999");
          assertRefused(
              () -> qscc.evaluateTransaction("GetTransactionByID", LEDGER, "no-such-tx"),
              "Failed to get transaction with id no-such-tx");
          assertRefused(
              () -> qscc.evaluateTransaction("GetChainInfo", "another-ledger"),
              "Invalid chain ID, another-ledger");
          assertRefused(
              () -> qscc.evaluateTransaction("Forget", LEDGER),
              "Requested function Forget not found.");
        });
  }

  @Test
  void the_peer_cli_form_with_no_channel_in_the_header_is_answered_for_members_only()
      throws Exception {
    Cluster.run(
        directory,
        threeNodes(),
        cluster -> {
          Cluster.Client admin = cluster.admin("BankBMSP");
          EndorserGrpc.EndorserBlockingStub endorser =
              EndorserGrpc.newBlockingStub(cluster.channel(admin, "peer1"))
                  .withDeadlineAfter(10, TimeUnit.SECONDS);

          ProposalResponse info =
              endorser.processProposal(
                  cliProposal(Cluster.signer(admin), "qscc", "GetChainInfo", LEDGER));
          assertThat(info.getResponse().getStatus()).isEqualTo(200);
          assertThat(BlockchainInfo.parseFrom(info.getResponse().getPayload()).getHeight())
              .isPositive();
          assertThat(info.getEndorsement().getEndorser()).isNotEmpty();

          Cluster.Client outsider = cluster.foreignSigner("BankBMSP", "outsider");
          ProposalResponse refused =
              endorser.processProposal(
                  cliProposal(Cluster.signer(outsider), "qscc", "GetChainInfo", LEDGER));
          assertThat(refused.getResponse().getStatus()).isEqualTo(403);
          assertThat(refused.getResponse().getPayload()).isEmpty();

          // A contract of the ledger still needs the ledger in the header.
          ProposalResponse contract =
              endorser.processProposal(
                  cliProposal(Cluster.signer(admin), "ledger-token", "balance", "BankBMSP"));
          assertThat(contract.getResponse().getStatus()).isEqualTo(400);
          assertThat(contract.getResponse().getMessage()).contains("proposal is for ledger ''");
        });
  }

  private static void assertRefused(ThrowingCall call, String message) {
    assertThatThrownBy(call::call)
        .isInstanceOfSatisfying(
            GatewayException.class,
            e ->
                assertThat(e.getDetails())
                    .singleElement()
                    .satisfies(
                        detail ->
                            assertThat(detail.getMessage())
                                .startsWith("chaincode response 500, ")
                                .contains(message)));
  }

  private interface ThrowingCall {
    void call() throws Exception;
  }

  /** A proposal as Fabric's peer CLI makes one for a system query: the channel left empty. */
  private static SignedProposal cliProposal(NodeSigner signer, String chaincode, String... args) {
    byte[] nonce = new byte[24];
    new SecureRandom().nextBytes(nonce);
    ByteString creator = signer.serializedIdentity();
    Instant now = Instant.now();
    ChannelHeader channel =
        ChannelHeader.newBuilder()
            .setType(HeaderType.ENDORSER_TRANSACTION_VALUE)
            .setChannelId("")
            .setTxId(TransactionIds.compute(ByteString.copyFrom(nonce), creator))
            .setTimestamp(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
            .build();
    ChaincodeInput.Builder input = ChaincodeInput.newBuilder();
    for (String arg : args) {
      input.addArgs(ByteString.copyFromUtf8(arg));
    }
    Proposal proposal =
        Proposal.newBuilder()
            .setHeader(
                Header.newBuilder()
                    .setChannelHeader(channel.toByteString())
                    .setSignatureHeader(
                        SignatureHeader.newBuilder()
                            .setCreator(creator)
                            .setNonce(ByteString.copyFrom(nonce))
                            .build()
                            .toByteString())
                    .build()
                    .toByteString())
            .setPayload(
                ChaincodeProposalPayload.newBuilder()
                    .setInput(
                        ChaincodeInvocationSpec.newBuilder()
                            .setChaincodeSpec(
                                ChaincodeSpec.newBuilder()
                                    .setChaincodeId(ChaincodeID.newBuilder().setName(chaincode))
                                    .setInput(input))
                            .build()
                            .toByteString())
                    .build()
                    .toByteString())
            .build();
    ByteString bytes = proposal.toByteString();
    return SignedProposal.newBuilder()
        .setProposalBytes(bytes)
        .setSignature(ByteString.copyFrom(signer.sign(bytes.toByteArray())))
        .build();
  }
}
