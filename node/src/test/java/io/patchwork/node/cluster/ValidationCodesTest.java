package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.tx.TransactionIds;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
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
import org.hyperledger.fabric.protos.ledger.rwset.TxReadWriteSet;
import org.hyperledger.fabric.protos.peer.ChaincodeAction;
import org.hyperledger.fabric.protos.peer.ChaincodeActionPayload;
import org.hyperledger.fabric.protos.peer.ChaincodeEndorsedAction;
import org.hyperledger.fabric.protos.peer.ChaincodeID;
import org.hyperledger.fabric.protos.peer.ChaincodeInvocationSpec;
import org.hyperledger.fabric.protos.peer.ChaincodeProposalPayload;
import org.hyperledger.fabric.protos.peer.ChaincodeSpec;
import org.hyperledger.fabric.protos.peer.ProposalResponsePayload;
import org.hyperledger.fabric.protos.peer.Response;
import org.hyperledger.fabric.protos.peer.Transaction;
import org.hyperledger.fabric.protos.peer.TransactionAction;
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

  /** A field whose length runs past the end: no protobuf message can be read from it. */
  private static final ByteString UNREADABLE = ByteString.copyFrom(new byte[] {0x0a, 0x05, 1});

  @TempDir Path directory;

  @Test
  void each_transaction_of_a_block_gets_its_own_code_on_every_peer() throws Exception {
    Cluster.run(
        directory,
        fourNodes(),
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

          Envelope truncated = handMade(signer, header -> UNREADABLE);
          Envelope noAction =
              handMade(signer, header -> Transaction.getDefaultInstance().toByteString());
          List<Envelope> sent =
              List.of(
                  truncated,
                  noAction,
                  Cluster.signed(first, signer),
                  Cluster.signed(first, signer),
                  Cluster.signed(second, signer),
                  Cluster.signed(committed, signer),
                  Cluster.signed(stale, signer));
          assertCodesOnEveryPeer(
              cluster,
              admin,
              sent,
              Map.entry(txId(truncated), TxValidationCode.BAD_PAYLOAD),
              Map.entry(txId(noAction), TxValidationCode.NIL_TXACTION),
              Map.entry(first.getTransactionId(), TxValidationCode.VALID),
              Map.entry(first.getTransactionId(), TxValidationCode.DUPLICATE_TXID),
              Map.entry(second.getTransactionId(), TxValidationCode.MVCC_READ_CONFLICT),
              Map.entry(committed.getTransactionId(), TxValidationCode.DUPLICATE_TXID),
              Map.entry(stale.getTransactionId(), TxValidationCode.MVCC_READ_CONFLICT));
          assertThat(cluster.ledger().peers())
              .extracting(peer -> peer.ledger().state().stateHash())
              .containsOnly(cluster.ledger().peers().get(0).ledger().state().stateHash());
          assertThat(
                  new String(
                      token.evaluateTransaction("balance", "BankAMSP"), StandardCharsets.UTF_8))
              .contains("989");
        });
  }

  @Test
  void
      a_transaction_a_member_signed_but_no_peer_endorsed_gets_the_code_of_the_first_check_it_fails()
          throws Exception {
    Cluster.run(
        directory,
        fourNodes(),
        cluster -> {
          Cluster.Client admin = cluster.admin("BankAMSP");
          NodeSigner signer = Cluster.signer(admin);
          Envelope wrongId =
              withTxId(
                  handMade(signer, header -> ByteString.EMPTY),
                  "not-derived-from-nonce-and-creator",
                  signer);
          Envelope otherProposal =
              handMade(
                  signer,
                  header ->
                      action(header, "ledger-token", ByteString.copyFrom(new byte[32]), null));
          Envelope unpinned =
              handMade(signer, header -> action(header, "no-such-contract", null, null));
          Envelope unendorsed =
              handMade(signer, header -> action(header, "ledger-token", null, null));
          // The read-write set cannot be read either, but the endorsements are checked first.
          Envelope unendorsedAndUnreadable =
              handMade(signer, header -> action(header, "ledger-token", null, UNREADABLE));
          List<Envelope> sent =
              List.of(wrongId, otherProposal, unpinned, unendorsed, unendorsedAndUnreadable);
          assertCodesOnEveryPeer(
              cluster,
              admin,
              sent,
              Map.entry(txId(wrongId), TxValidationCode.BAD_PROPOSAL_TXID),
              Map.entry(txId(otherProposal), TxValidationCode.BAD_RESPONSE_PAYLOAD),
              Map.entry(txId(unpinned), TxValidationCode.INVALID_CHAINCODE),
              Map.entry(txId(unendorsed), TxValidationCode.ENDORSEMENT_POLICY_FAILURE),
              Map.entry(
                  txId(unendorsedAndUnreadable), TxValidationCode.ENDORSEMENT_POLICY_FAILURE));
        });
  }

  /**
   * An endorser transaction's data with one action on {@code contract} answering status 200 and no
   * endorsements; the proposal hash is the header's own unless {@code proposalHash} is given, the
   * read-write set empty unless {@code results} is given.
   */
  private static ByteString action(
      Header header, String contract, ByteString proposalHash, ByteString results) {
    ChaincodeID id = ChaincodeID.newBuilder().setName(contract).build();
    ByteString proposal =
        ChaincodeProposalPayload.newBuilder()
            .setInput(
                ChaincodeInvocationSpec.newBuilder()
                    .setChaincodeSpec(ChaincodeSpec.newBuilder().setChaincodeId(id))
                    .build()
                    .toByteString())
            .build()
            .toByteString();
    ByteString extension =
        ChaincodeAction.newBuilder()
            .setChaincodeId(id)
            .setResponse(Response.newBuilder().setStatus(200))
            .setResults(
                results != null ? results : TxReadWriteSet.getDefaultInstance().toByteString())
            .build()
            .toByteString();
    ByteString responsePayload =
        ProposalResponsePayload.newBuilder()
            .setProposalHash(proposalHash != null ? proposalHash : proposalHash(header, proposal))
            .setExtension(extension)
            .build()
            .toByteString();
    return Transaction.newBuilder()
        .addActions(
            TransactionAction.newBuilder()
                .setHeader(header.getSignatureHeader())
                .setPayload(
                    ChaincodeActionPayload.newBuilder()
                        .setChaincodeProposalPayload(proposal)
                        .setAction(
                            ChaincodeEndorsedAction.newBuilder()
                                .setProposalResponsePayload(responsePayload))
                        .build()
                        .toByteString()))
        .build()
        .toByteString();
  }

  /** Fabric's proposal hash: SHA-256 over channel header, signature header and proposal payload. */
  private static ByteString proposalHash(Header header, ByteString proposal) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(header.getChannelHeader().toByteArray());
      digest.update(header.getSignatureHeader().toByteArray());
      digest.update(proposal.toByteArray());
      return ByteString.copyFrom(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The envelope with its transaction id replaced, signed again. */
  private static Envelope withTxId(Envelope envelope, String txId, NodeSigner signer)
      throws Exception {
    Payload payload = Payload.parseFrom(envelope.getPayload());
    ChannelHeader header =
        ChannelHeader.parseFrom(payload.getHeader().getChannelHeader()).toBuilder()
            .setTxId(txId)
            .build();
    ByteString changed =
        payload.toBuilder()
            .setHeader(payload.getHeader().toBuilder().setChannelHeader(header.toByteString()))
            .build()
            .toByteString();
    return Envelope.newBuilder()
        .setPayload(changed)
        .setSignature(ByteString.copyFrom(signer.sign(changed.toByteArray())))
        .build();
  }

  private static org.hyperledger.fabric.client.Transaction transfer(
      Contract token, String to, String amount) throws Exception {
    return token.newProposal("transfer").addArguments("BankAMSP", to, amount).build().endorse();
  }

  /**
   * A signed endorser-transaction envelope with well-formed headers around the data made for them.
   */
  private static Envelope handMade(NodeSigner signer, Function<Header, ByteString> data) {
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
    Header header =
        Header.newBuilder()
            .setChannelHeader(channelHeader.toByteString())
            .setSignatureHeader(signatureHeader.toByteString())
            .build();
    ByteString payload =
        Payload.newBuilder().setHeader(header).setData(data.apply(header)).build().toByteString();
    return Envelope.newBuilder()
        .setPayload(payload)
        .setSignature(ByteString.copyFrom(signer.sign(payload.toByteArray())))
        .build();
  }

  private static String txId(Envelope envelope) {
    try {
      return ChannelHeader.parseFrom(
              Payload.parseFrom(envelope.getPayload()).getHeader().getChannelHeader())
          .getTxId();
    } catch (InvalidProtocolBufferException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One orderer and three members' peers; a block is cut after 2 s unless 100 are waiting. */
  private static Cluster.Options fourNodes() {
    return Cluster.options().organizations(3).orderers(1).blocks(100, Duration.ofSeconds(2));
  }

  /**
   * Broadcasts the envelopes one after another, each admitted by the orderer, and asserts that
   * every peer recorded exactly the expected transaction ids and codes in the blocks they went
   * into, once the peer holds the last one (whose transaction id must be new, so that the peer
   * indexes it).
   */
  @SafeVarargs
  private static void assertCodesOnEveryPeer(
      Cluster cluster,
      Cluster.Client submitter,
      List<Envelope> sent,
      Map.Entry<String, TxValidationCode>... expected)
      throws Exception {
    long from = cluster.ledger().peers().get(0).ledger().height();
    for (Envelope envelope : sent) {
      assertThat(cluster.broadcast(submitter, envelope).getStatus()).isEqualTo(Status.SUCCESS);
    }
    assertThat(cluster.ledger().peers()).hasSize(3);
    for (PeerNode peer : cluster.ledger().peers()) {
      cluster.awaitTransaction(peer, txId(sent.get(sent.size() - 1)));
      assertThat(codes(peer, from)).as("codes on %s", peer.nodeId()).containsExactly(expected);
    }
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
