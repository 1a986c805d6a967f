package io.patchwork.node.tx;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;

/**
 * A transaction envelope read down to its payload and channel header: the first step of every
 * reader of a Fabric envelope (orderers, validators, the gateway, block readers). The signature
 * header is decoded only when asked for. Immutable.
 */
public record EnvelopeHeaders(Payload payload, ChannelHeader channel) {

  /**
   * Decodes the envelope's payload and channel header.
   *
   * @throws InvalidProtocolBufferException if either is not well-formed protobuf
   */
  public static EnvelopeHeaders read(Envelope envelope) throws InvalidProtocolBufferException {
    Payload payload = Payload.parseFrom(envelope.getPayload());
    return new EnvelopeHeaders(
        payload, ChannelHeader.parseFrom(payload.getHeader().getChannelHeader()));
  }

  /** As {@link #read(Envelope)}, from an envelope's bytes (one entry of a block's data). */
  public static EnvelopeHeaders read(ByteString envelope) throws InvalidProtocolBufferException {
    return read(Envelope.parseFrom(envelope));
  }

  public String txId() {
    return channel.getTxId();
  }

  /** Whether it is a Patchwork config transaction ({@link ConfigEnvelopes}). */
  public boolean isConfig() {
    return ConfigEnvelopes.isConfig(channel);
  }

  /** Whether it is an endorser transaction of a contract (not a config transaction). */
  public boolean isEndorserTransaction() {
    return channel.getType() == HeaderType.ENDORSER_TRANSACTION_VALUE && !isConfig();
  }

  /**
   * The encoded config update a config transaction carries.
   *
   * @throws InvalidProtocolBufferException if it carries none
   */
  public ByteString configUpdate() throws InvalidProtocolBufferException {
    return ConfigEnvelopes.update(payload);
  }

  /**
   * The payload's signature header: the creator and the nonce.
   *
   * @throws InvalidProtocolBufferException if it is not well-formed protobuf
   */
  public SignatureHeader signatureHeader() throws InvalidProtocolBufferException {
    return SignatureHeader.parseFrom(payload.getHeader().getSignatureHeader());
  }
}
