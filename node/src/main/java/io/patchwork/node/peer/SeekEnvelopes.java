package io.patchwork.node.peer;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.patchwork.node.crypto.NodeSigner;
import java.security.SecureRandom;
import java.time.Instant;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.orderer.SeekInfo;
import org.hyperledger.fabric.protos.orderer.SeekNewest;
import org.hyperledger.fabric.protos.orderer.SeekPosition;
import org.hyperledger.fabric.protos.orderer.SeekSpecified;

/** Fabric's signed Deliver request for a range of blocks, as a peer sends it to an orderer. */
final class SeekEnvelopes {
  private SeekEnvelopes() {}

  /** Blocks {@code from} to {@code to} (inclusive), waiting for those not cut yet. */
  static Envelope seek(
      String ledgerId, NodeSigner signer, Instant now, SecureRandom random, long from, long to) {
    return seek(
        ledgerId,
        signer,
        now,
        random,
        from,
        SeekPosition.newBuilder().setSpecified(SeekSpecified.newBuilder().setNumber(to)).build());
  }

  /** Blocks {@code from} to the newest the orderer has when it answers; then SUCCESS. */
  static Envelope seekToNewest(
      String ledgerId, NodeSigner signer, Instant now, SecureRandom random, long from) {
    return seek(
        ledgerId,
        signer,
        now,
        random,
        from,
        SeekPosition.newBuilder().setNewest(SeekNewest.getDefaultInstance()).build());
  }

  private static Envelope seek(
      String ledgerId,
      NodeSigner signer,
      Instant now,
      SecureRandom random,
      long from,
      SeekPosition to) {
    byte[] nonce = new byte[24];
    random.nextBytes(nonce);
    ChannelHeader channel =
        ChannelHeader.newBuilder()
            .setType(HeaderType.DELIVER_SEEK_INFO_VALUE)
            .setChannelId(ledgerId)
            .setTimestamp(
                Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
            .build();
    SignatureHeader signature =
        SignatureHeader.newBuilder()
            .setCreator(signer.serializedIdentity())
            .setNonce(ByteString.copyFrom(nonce))
            .build();
    SeekInfo seek =
        SeekInfo.newBuilder()
            .setStart(
                SeekPosition.newBuilder().setSpecified(SeekSpecified.newBuilder().setNumber(from)))
            .setStop(to)
            .setBehavior(SeekInfo.SeekBehavior.BLOCK_UNTIL_READY)
            .build();
    Payload payload =
        Payload.newBuilder()
            .setHeader(
                Header.newBuilder()
                    .setChannelHeader(channel.toByteString())
                    .setSignatureHeader(signature.toByteString()))
            .setData(seek.toByteString())
            .build();
    ByteString bytes = payload.toByteString();
    return Envelope.newBuilder()
        .setPayload(bytes)
        .setSignature(ByteString.copyFrom(signer.sign(bytes.toByteArray())))
        .build();
  }
}
