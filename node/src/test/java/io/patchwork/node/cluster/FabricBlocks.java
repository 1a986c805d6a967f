package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.patchwork.node.peer.PeerNode;
import java.io.IOException;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockMetadataIndex;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.LastConfig;
import org.hyperledger.fabric.protos.common.Metadata;
import org.hyperledger.fabric.protos.common.MetadataSignature;
import org.hyperledger.fabric.protos.common.OrdererBlockMetadata;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.ledger.rwset.NsReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.TxReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVRWSet;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;
import org.hyperledger.fabric.protos.peer.ChaincodeAction;
import org.hyperledger.fabric.protos.peer.ChaincodeActionPayload;
import org.hyperledger.fabric.protos.peer.ChaincodeEvent;
import org.hyperledger.fabric.protos.peer.ChaincodeHeaderExtension;
import org.hyperledger.fabric.protos.peer.ChaincodeInvocationSpec;
import org.hyperledger.fabric.protos.peer.ChaincodeProposalPayload;
import org.hyperledger.fabric.protos.peer.Endorsement;
import org.hyperledger.fabric.protos.peer.ProposalResponsePayload;
import org.hyperledger.fabric.protos.peer.Transaction;
import org.hyperledger.fabric.protos.peer.TransactionAction;

/**
 * Reads a ledger's blocks with Fabric's own protobuf messages the way Fabric's decoders do ({@code
 * configtxlator proto_decode --type common.Block}): every opaque field as the message type Fabric
 * gives it for its header type, down to read/write sets, events and endorsements — and refuses any
 * byte those messages do not define (Java keeps such bytes as unknown fields; Fabric's decoder
 * fails on them, as it failed on Patchwork's former config payload).
 */
final class FabricBlocks {
  private FabricBlocks() {}

  /** Every block a peer holds, from its first, decodes as Fabric's. Answers how many it read. */
  static long assertEveryBlockDecodes(PeerNode peer) throws IOException {
    long first = peer.ledger().blocks().first();
    long height = peer.ledger().height();
    for (long number = first; number < height; number++) {
      Optional<Block> block = peer.ledger().blocks().get(number);
      assertThat(block).as("block %d", number).isPresent();
      assertDecodes(block.get());
    }
    return height - first;
  }

  static void assertDecodes(Block block) {
    long number = block.getHeader().getNumber();
    strict(block, "block " + number);
    for (int i = 0; i < block.getData().getDataCount(); i++) {
      envelope(block.getData().getData(i), "block " + number + " transaction " + i);
    }
    Metadata signatures =
        decode(
            block.getMetadata().getMetadata(BlockMetadataIndex.SIGNATURES_VALUE),
            Metadata.parser(),
            "block " + number + " SIGNATURES");
    decode(
        signatures.getValue(),
        OrdererBlockMetadata.parser(),
        "block " + number + " orderer metadata");
    for (MetadataSignature signature : signatures.getSignaturesList()) {
      SignatureHeader header =
          decode(
              signature.getSignatureHeader(), SignatureHeader.parser(), "a block signature header");
      decode(header.getCreator(), SerializedIdentity.parser(), "a block signer");
    }
    if (block.getMetadata().getMetadataCount() > BlockMetadataIndex.LAST_CONFIG_VALUE
        && !block.getMetadata().getMetadata(BlockMetadataIndex.LAST_CONFIG_VALUE).isEmpty()) {
      Metadata last =
          decode(
              block.getMetadata().getMetadata(BlockMetadataIndex.LAST_CONFIG_VALUE),
              Metadata.parser(),
              "block " + number + " LAST_CONFIG");
      decode(last.getValue(), LastConfig.parser(), "block " + number + " last config");
    }
  }

  private static void envelope(ByteString bytes, String where) {
    Envelope envelope = decode(bytes, Envelope.parser(), where);
    Payload payload = decode(envelope.getPayload(), Payload.parser(), where + " payload");
    ChannelHeader channel =
        decode(
            payload.getHeader().getChannelHeader(),
            ChannelHeader.parser(),
            where + " channel header");
    SignatureHeader signature =
        decode(
            payload.getHeader().getSignatureHeader(),
            SignatureHeader.parser(),
            where + " signature header");
    if (!signature.getCreator().isEmpty()) {
      decode(signature.getCreator(), SerializedIdentity.parser(), where + " creator");
    }
    assertThat(channel.getType())
        .as("%s: the header type Fabric's decoder reads it by", where)
        .isEqualTo(HeaderType.ENDORSER_TRANSACTION_VALUE);
    decode(channel.getExtension(), ChaincodeHeaderExtension.parser(), where + " header extension");
    Transaction transaction =
        decode(payload.getData(), Transaction.parser(), where + " transaction");
    for (TransactionAction action : transaction.getActionsList()) {
      decode(action.getHeader(), SignatureHeader.parser(), where + " action header");
      ChaincodeActionPayload actionPayload =
          decode(action.getPayload(), ChaincodeActionPayload.parser(), where + " action payload");
      ChaincodeProposalPayload proposal =
          decode(
              actionPayload.getChaincodeProposalPayload(),
              ChaincodeProposalPayload.parser(),
              where + " proposal payload");
      decode(proposal.getInput(), ChaincodeInvocationSpec.parser(), where + " invocation");
      ProposalResponsePayload response =
          decode(
              actionPayload.getAction().getProposalResponsePayload(),
              ProposalResponsePayload.parser(),
              where + " response payload");
      ChaincodeAction chaincode =
          decode(response.getExtension(), ChaincodeAction.parser(), where + " chaincode action");
      TxReadWriteSet rwSet =
          decode(chaincode.getResults(), TxReadWriteSet.parser(), where + " read/write set");
      for (NsReadWriteSet ns : rwSet.getNsRwsetList()) {
        decode(ns.getRwset(), KVRWSet.parser(), where + " namespace " + ns.getNamespace());
      }
      if (!chaincode.getEvents().isEmpty()) {
        decode(chaincode.getEvents(), ChaincodeEvent.parser(), where + " event");
      }
      for (Endorsement endorsement : actionPayload.getAction().getEndorsementsList()) {
        strict(endorsement, where + " endorsement");
        decode(endorsement.getEndorser(), SerializedIdentity.parser(), where + " endorser");
      }
    }
  }

  private static <T extends Message> T decode(ByteString bytes, Parser<T> parser, String where) {
    T message;
    try {
      message = parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(
          where + " does not decode as Fabric's message: " + e.getMessage(), e);
    }
    strict(message, where);
    return message;
  }

  private static void strict(Message message, String where) {
    assertThat(message.getUnknownFields().asMap())
        .as(
            "%s: bytes Fabric's %s does not define",
            where, message.getDescriptorForType().getFullName())
        .isEmpty();
  }
}
