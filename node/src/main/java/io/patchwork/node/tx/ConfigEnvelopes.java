package io.patchwork.node.tx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.patchwork.node.crypto.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Config;
import org.hyperledger.fabric.protos.common.ConfigEnvelope;
import org.hyperledger.fabric.protos.common.Envelope;
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
 * than trusting endorsers.
 *
 * <p>Members submit that transaction. A proposal or ballot is ordered as it is; an update that
 * changes the config (and the genesis config) is ordered {@linkplain #wrap wrapped} in a Fabric
 * {@code CONFIG} envelope: its {@code ConfigEnvelope} holds the ledger's channel config tree after
 * the change and, as {@code last_update}, the member's transaction itself. So a config block is
 * what Fabric's tools expect ({@code peer channel fetch config}, {@code configtxlator}), and the
 * signed decision is inside it. A config transaction is either form.
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
   * Whether a channel header is a config transaction's: an endorser transaction to the chaincode,
   * or a {@code CONFIG} envelope.
   */
  public static boolean isConfig(ChannelHeader channel) {
    if (channel.getType() == HeaderType.CONFIG_VALUE) {
      return true;
    }
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
   * The {@code CONFIG} envelope a config change is ordered in: channel {@code tree} after the
   * change, and {@code submitted} — the member's config transaction — as its last update. Its
   * channel header has the submitted transaction's ledger, id and time; it is not signed (the block
   * is, by its orderer, and the transaction inside by its member). Its bytes are a function of its
   * inputs alone (deterministic serialization), so every orderer cuts the same block.
   *
   * @throws InvalidProtocolBufferException if {@code submitted} is not an envelope with headers
   */
  public static Envelope wrap(Envelope submitted, Config tree)
      throws InvalidProtocolBufferException {
    Objects.requireNonNull(tree, "tree");
    EnvelopeHeaders inner = EnvelopeHeaders.read(submitted);
    ChannelHeader channel =
        ChannelHeader.newBuilder()
            .setType(HeaderType.CONFIG_VALUE)
            .setChannelId(inner.channel().getChannelId())
            .setTxId(inner.channel().getTxId())
            .setTimestamp(inner.channel().getTimestamp())
            .build();
    Payload payload =
        Payload.newBuilder()
            .setHeader(
                Header.newBuilder()
                    .setChannelHeader(deterministic(channel))
                    .setSignatureHeader(ByteString.EMPTY))
            .setData(
                deterministic(
                    ConfigEnvelope.newBuilder().setConfig(tree).setLastUpdate(submitted).build()))
            .build();
    return Envelope.newBuilder().setPayload(deterministic(payload)).build();
  }

  /**
   * What a {@code CONFIG} envelope's payload holds: the channel tree and, in Patchwork's and in
   * Fabric's config blocks after genesis, the transaction that made it; empty for any other
   * payload.
   *
   * @throws InvalidProtocolBufferException if it is a {@code CONFIG} payload that does not decode
   *     or holds no config
   */
  public static Optional<Wrapped> unwrap(Payload payload, ChannelHeader channel)
      throws InvalidProtocolBufferException {
    if (channel.getType() != HeaderType.CONFIG_VALUE) {
      return Optional.empty();
    }
    ConfigEnvelope config = ConfigEnvelope.parseFrom(payload.getData());
    if (!config.hasConfig()) {
      throw new InvalidProtocolBufferException("a config envelope holds a channel config");
    }
    return Optional.of(
        new Wrapped(
            config.getConfig(),
            config.hasLastUpdate() ? Optional.of(config.getLastUpdate()) : Optional.empty()));
  }

  /** A {@code CONFIG} envelope's content: the channel tree, and the transaction inside. */
  public record Wrapped(Config tree, Optional<Envelope> submitted) {}

  private static ByteString deterministic(Message message) {
    ByteString.Output bytes = ByteString.newOutput(message.getSerializedSize());
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization();
      message.writeTo(out);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("serializing to memory failed", e);
    }
    return bytes.toByteString();
  }

  /**
   * The encoded update a config transaction's payload carries, inside its {@code CONFIG} envelope
   * if it is wrapped in one.
   *
   * @throws InvalidProtocolBufferException if the payload is not one: not decodable, not one action
   *     invoking {@value #FUNCTION} of {@value #CHAINCODE} with one argument
   */
  public static ByteString update(Payload payload) throws InvalidProtocolBufferException {
    ChannelHeader channel = ChannelHeader.parseFrom(payload.getHeader().getChannelHeader());
    Optional<Wrapped> wrapped = unwrap(payload, channel);
    if (wrapped.isPresent()) {
      Envelope submitted =
          wrapped
              .get()
              .submitted()
              .orElseThrow(
                  () ->
                      new InvalidProtocolBufferException(
                          "the config envelope holds no " + CHAINCODE + " transaction"));
      Payload inner = Payload.parseFrom(submitted.getPayload());
      if (ChannelHeader.parseFrom(inner.getHeader().getChannelHeader()).getType()
          != HeaderType.ENDORSER_TRANSACTION_VALUE) {
        throw new InvalidProtocolBufferException(
            "a config envelope's last update is a " + CHAINCODE + " transaction");
      }
      return update(inner);
    }
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
