package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.tx.TransactionIds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockMetadataIndex;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.gateway.PreparedTransaction;
import org.hyperledger.fabric.protos.peer.Transaction;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every peer gives each transaction of a block its own validation code, whatever else the block
 * holds: envelopes the orderer admits (a member signed them) but that are broken inside, repeated
 * transaction ids, and reads that earlier transactions of the block or committed blocks made stale.
 */
@Tag("cluster")
class ValidationCodesTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path directory;

  @Test
  void each_transaction_of_a_block_gets_its_own_code_on_every_peer() throws Exception {
    Cluster.run(
        directory,
        Cluster.options().organizations(3).orderers(1).blocks(100, Duration.ofSeconds(2)),
        cluster -> {
          Cluster.Client admin = cluster.admin("BankAMSP");
          NodeSigner signer = Cluster.signer(admin);
          Contract token = cluster.token(admin);
          token.submitTransaction("issue", "BankAMSP", "1000");
          var stale = transfer(token, "BankBMSP", "5");
          var committed = transfer(token, "BankBMSP", "1");
          committed.submit();
          var first = transfer(token, "BankBMSP", "10");
          var second = transfer(token, "BankCMSP", "10");

          Envelope truncated = handMade(signer, ByteString.copyFrom(new byte[] {0x0a, 0x05, 1}));
          Envelope noAction = handMade(signer, Transaction.getDefaultInstance().toByteString());
          List<Envelope> sent =
              List.of(
                  truncated,
                  noAction,
                  signed(first, signer),
                  signed(first, signer),
                  signed(second, signer),
                  signed(committed, signer),
                  signed(stale, signer));
          long from = cluster.ledger().peers().get(0).ledger().height();
          for (Envelope envelope : sent) {
            assertThat(cluster.broadcast(admin, envelope).getStatus()).isEqualTo(Status.SUCCESS);
          }

          for (PeerNode peer : cluster.ledger().peers()) {
            cluster.awaitTransaction(peer, stale.getTransactionId());
            assertThat(codes(peer, from))
                .as("codes on %s", peer.nodeId())
                .containsExactly(
                    Map.entry(txId(truncated), TxValidationCode.BAD_PAYLOAD),
                    Map.entry(txId(noAction), TxValidationCode.NIL_TXACTION),
                    Map.entry(first.getTransactionId(), TxValidationCode.VALID),
                    Map.entry(first.getTransactionId(), TxValidationCode.DUPLICATE_TXID),
                    Map.entry(second.getTransactionId(), TxValidationCode.MVCC_READ_CONFLICT),
                    Map.entry(committed.getTransactionId(), TxValidationCode.DUPLICATE_TXID),
                    Map.entry(stale.getTransactionId(), TxValidationCode.MVCC_READ_CONFLICT));
            assertThat(peer.ledger().state().stateHash())
                .isEqualTo(cluster.ledger().peers().get(0).ledger().state().stateHash());
          }
          assertThat(
                  new String(
                      token.evaluateTransaction("balance", "BankAMSP"), StandardCharsets.UTF_8))
              .contains("989");
        });
  }

  private static org.hyperledger.fabric.client.Transaction transfer(
      Contract token, String to, String amount) throws Exception {
    return token.newProposal("transfer").addArguments("BankAMSP", to, amount).build().endorse();
  }

  /** The endorsed transaction's envelope, signed by the submitter. */
  private static Envelope signed(org.hyperledger.fabric.client.Transaction tx, NodeSigner signer)
      throws Exception {
    Envelope envelope = PreparedTransaction.parseFrom(tx.getBytes()).getEnvelope();
    return envelope.toBuilder()
        .setSignature(ByteString.copyFrom(signer.sign(envelope.getPayload().toByteArray())))
        .build();
  }

  /** A signed endorser-transaction envelope with well-formed headers around {@code data}. */
  private static Envelope handMade(NodeSigner signer, ByteString data) {
    byte[] nonce = new byte[24];
    RANDOM.nextBytes(nonce);
    SignatureHeader signatureHeader =
        SignatureHeader.newBuilder()
            .setCreator(signer.serializedIdentity())
            .setNonce(ByteString.copyFrom(nonce))
            .build();
    Instant now = Instant.now();
    ChannelHeader channelHeader =
        ChannelHeader.newBuilder()
            .setType(HeaderType.ENDORSER_TRANSACTION_VALUE)
            .setChannelId("trade")
            .setTxId(
                TransactionIds.compute(signatureHeader.getNonce(), signatureHeader.getCreator()))
            .setTimestamp(
                Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
            .build();
    ByteString payload =
        Payload.newBuilder()
            .setHeader(
                Header.newBuilder()
                    .setChannelHeader(channelHeader.toByteString())
                    .setSignatureHeader(signatureHeader.toByteString()))
            .setData(data)
            .build()
            .toByteString();
    return Envelope.newBuilder()
        .setPayload(payload)
        .setSignature(ByteString.copyFrom(signer.sign(payload.toByteArray())))
        .build();
  }

  private static String txId(Envelope envelope) throws Exception {
    return ChannelHeader.parseFrom(
            Payload.parseFrom(envelope.getPayload()).getHeader().getChannelHeader())
        .getTxId();
  }

  /**
   * Transaction id and recorded code of every transaction in the peer's blocks from {@code from}.
   */
  private static List<Map.Entry<String, TxValidationCode>> codes(PeerNode peer, long from)
      throws Exception {
    List<Map.Entry<String, TxValidationCode>> codes = new ArrayList<>();
    for (long number = from; number < peer.ledger().height(); number++) {
      Block block = peer.ledger().blocks().get(number).orElseThrow();
      ByteString filter =
          block.getMetadata().getMetadata(BlockMetadataIndex.TRANSACTIONS_FILTER_VALUE);
      for (int i = 0; i < block.getData().getDataCount(); i++) {
        codes.add(
            Map.entry(
                txId(Envelope.parseFrom(block.getData().getData(i))),
                TxValidationCode.forNumber(filter.byteAt(i))));
      }
    }
    return codes;
  }
}
