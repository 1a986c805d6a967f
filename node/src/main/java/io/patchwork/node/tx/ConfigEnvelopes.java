package io.patchwork.node.tx;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.node.crypto.Sha256;
import java.security.MessageDigest;
import java.util.List;
import java.util.Objects;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.ledger.rwset.TxReadWriteSet;
import org.hyperledger.fabric.protos.peer.ChaincodeAction;
import org.hyperledger.fabric.protos.peer.ChaincodeActionPayload;
import org.hyperledger.fabric.protos.peer.ChaincodeEndorsedAction;
import org.hyperledger.fabric.protos.peer.ChaincodeHeaderExtension;
import org.hyperledger.fabric.protos.peer.ChaincodeID;
import org.hyperledger.fabric.protos.peer.ChaincodeInput;
import org.hyperledger.fabric.protos.peer.ChaincodeInvocationSpec;
import org.hyperledger.fabric.protos.peer.ChaincodeProposalPayload;
import org.hyperledger.fabric.protos.peer.ChaincodeSpec;
import org.hyperledger.fabric.protos.peer.ProposalResponsePayload;
import org.hyperledger.fabric.protos.peer.Response;
import org.hyperledger.fabric.protos.peer.Transaction;
import org.hyperledger.fabric.protos.peer.TransactionAction;

/**
 * How a Patchwork config update travels: as a Fabric endorser transaction to the system chaincode
 * {@value #CHAINCODE}, the way Fabric's own {@code _lifecycle} transactions do, so that Fabric's
 * decoders ({@code configtxlator proto_decode --type common.Block}) read every block down to the
 * update. The update's encoded bytes are the invocation's second argument after the function
 * {@value #FUNCTION}; the action answers status 200 with an empty read/write set and no
 * endorsements — every orderer and peer judges the update itself, by the config in force, rather
 * than trusting endorsers. A config transaction is one whose channel header names that chaincode.
 */
public final class ConfigEnvelopes {
  /** The system chaincode config updates, proposals and ballots are addressed to. */
  public static final String CHAINCODE = "_governance";

  /** The function of the invocation: its one argument is the encoded update. */
  public static final String FUNCTION = "update";

  private static final ByteString EMPTY_RW_SET =
      TxReadWriteSet.newBuilder().setDataModel(TxReadWriteSet.DataModel.KV).build().toByteString();

  private ConfigEnvelopes() {}

  /**
   * Whether a channel header is a config transaction's: an endorser transaction to the chaincode.
   */
  public static boolean isConfig(ChannelHeader channel) {
    if (channel.getType() != HeaderType.ENDORSER_TRANSACTION_VALUE) {
      return false;
    }
    try {
      return ChaincodeHeaderExtension.parseFrom(channel.getExtension())
          .getChaincodeId()
          .getName()
          .equals(CHAINCODE);
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }

  /**
   * The payload of a config transaction carrying {@code update}: {@code channel} gets the
   * endorser-transaction type and the chaincode extension; {@code signature} may be empty (the
   * genesis block's).
   */
  public static Payload payload(
      ChannelHeader channel, SignatureHeader signature, ByteString update) {
    Objects.requireNonNull(update, "update");
    ChaincodeID chaincode = ChaincodeID.newBuilder().setName(CHAINCODE).build();
    ByteString channelHeader =
        channel.toBuilder()
            .setType(HeaderType.ENDORSER_TRANSACTION_VALUE)
            .setExtension(
                ChaincodeHeaderExtension.newBuilder()
                    .setChaincodeId(chaincode)
                    .build()
                    .toByteString())
            .build()
            .toByteString();
    ByteString signatureHeader = signature.toByteString();
    ByteString proposalPayload =
        ChaincodeProposalPayload.newBuilder()
            .setInput(
                ChaincodeInvocationSpec.newBuilder()
                    .setChaincodeSpec(
                        ChaincodeSpec.newBuilder()
                            .setChaincodeId(chaincode)
                            .setInput(
                                ChaincodeInput.newBuilder()
                                    .addArgs(ByteString.copyFromUtf8(FUNCTION))
                                    .addArgs(update)))
                    .build()
                    .toByteString())
            .build()
            .toByteString();
    // Fabric's proposal hash: over the channel header, the signature header and the payload.
    MessageDigest proposalHash = Sha256.newDigest();
    Sha256.update(proposalHash, channelHeader);
    Sha256.update(proposalHash, signatureHeader);
    Sha256.update(proposalHash, proposalPayload);
    ProposalResponsePayload response =
        ProposalResponsePayload.newBuilder()
            .setProposalHash(ByteString.copyFrom(proposalHash.digest()))
            .setExtension(
                ChaincodeAction.newBuilder()
                    .setResults(EMPTY_RW_SET)
                    .setResponse(Response.newBuilder().setStatus(200))
                    .setChaincodeId(chaincode)
                    .build()
                    .toByteString())
            .build();
    Transaction transaction =
        Transaction.newBuilder()
            .addActions(
                TransactionAction.newBuilder()
                    .setHeader(signatureHeader)
                    .setPayload(
                        ChaincodeActionPayload.newBuilder()
                            .setChaincodeProposalPayload(proposalPayload)
                            .setAction(
                                ChaincodeEndorsedAction.newBuilder()
                                    .setProposalResponsePayload(response.toByteString()))
                            .build()
                            .toByteString()))
            .build();
    return Payload.newBuilder()
        .setHeader(
            Header.newBuilder().setChannelHeader(channelHeader).setSignatureHeader(signatureHeader))
        .setData(transaction.toByteString())
        .build();
  }

  /**
   * The encoded update a config transaction's payload carries.
   *
   * @throws InvalidProtocolBufferException if the payload is not one: not decodable, not one action
   *     invoking {@value #FUNCTION} of {@value #CHAINCODE} with one argument
   */
  public static ByteString update(Payload payload) throws InvalidProtocolBufferException {
    Transaction transaction = Transaction.parseFrom(payload.getData());
    if (transaction.getActionsCount() != 1) {
      throw new InvalidProtocolBufferException("a config transaction has one action");
    }
    ChaincodeActionPayload action =
        ChaincodeActionPayload.parseFrom(transaction.getActions(0).getPayload());
    ChaincodeSpec spec =
        ChaincodeInvocationSpec.parseFrom(
                ChaincodeProposalPayload.parseFrom(action.getChaincodeProposalPayload()).getInput())
            .getChaincodeSpec();
    List<ByteString> args = spec.getInput().getArgsList();
    if (!spec.getChaincodeId().getName().equals(CHAINCODE)
        || args.size() != 2
        || !args.get(0).toStringUtf8().equals(FUNCTION)) {
      throw new InvalidProtocolBufferException(
          "a config transaction invokes " + CHAINCODE + " " + FUNCTION + " with the update");
    }
    return args.get(1);
  }
}
