package io.patchwork.node.config;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.patchwork.node.config.proto.ConfigSignature;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.tx.ConfigEnvelopes;
import io.patchwork.node.tx.TransactionIds;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;

/**
 * Builds config transactions: member admins each sign the proposed config ({@link #sign}), and
 * anyone holding enough signatures wraps them into a signed config transaction ({@link #envelope},
 * an endorser-style transaction to {@code _governance}: {@link ConfigEnvelopes}) to broadcast.
 * Peers accept it only if it is the next sequence and enough member organisations' admins signed,
 * per the current config's modification policy.
 */
public final class ConfigTransactions {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int NONCE_BYTES = 24;

  private ConfigTransactions() {}

  /** An admin's signature over the proposed config: over config bytes ‖ signature header. */
  public static ConfigSignature sign(LedgerConfig next, NodeSigner admin) {
    Objects.requireNonNull(next, "next");
    Objects.requireNonNull(admin, "admin");
    ByteString header = signatureHeader(admin).toByteString();
    return ConfigSignature.newBuilder()
        .setSignatureHeader(header)
        .setSignature(ByteString.copyFrom(admin.sign(next.toByteString(), header)))
        .build();
  }

  /** The config transaction carrying the new config and the admins' signatures. */
  public static Envelope envelope(
      LedgerConfig next, List<ConfigSignature> signatures, NodeSigner submitter, Instant at) {
    Objects.requireNonNull(next, "next");
    Objects.requireNonNull(signatures, "signatures");
    return envelope(
        ConfigUpdate.newBuilder().setConfig(next).addAllSignatures(signatures).build(),
        submitter,
        at);
  }

  /** The config transaction carrying an update, signed by the submitter. */
  public static Envelope envelope(ConfigUpdate update, NodeSigner submitter, Instant at) {
    Objects.requireNonNull(update, "update");
    Objects.requireNonNull(submitter, "submitter");
    Objects.requireNonNull(at, "at");
    LedgerConfig next = update.getConfig();
    SignatureHeader signatureHeader = signatureHeader(submitter);
    ChannelHeader channelHeader =
        ChannelHeader.newBuilder()
            .setChannelId(next.getLedgerId())
            .setTxId(
                TransactionIds.compute(signatureHeader.getNonce(), signatureHeader.getCreator()))
            .setTimestamp(
                Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()))
            .build();
    Payload payload =
        ConfigEnvelopes.payload(channelHeader, signatureHeader, update.toByteString());
    ByteString payloadBytes = payload.toByteString();
    return Envelope.newBuilder()
        .setPayload(payloadBytes)
        .setSignature(ByteString.copyFrom(submitter.sign(payloadBytes)))
        .build();
  }

  private static SignatureHeader signatureHeader(NodeSigner signer) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    return SignatureHeader.newBuilder()
        .setCreator(signer.serializedIdentity())
        .setNonce(ByteString.copyFrom(nonce))
        .build();
  }
}
