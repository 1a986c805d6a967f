package io.patchwork.node.block;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.order.proto.OrdererPosition;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockMetadataIndex;
import org.hyperledger.fabric.protos.common.LastConfig;
import org.hyperledger.fabric.protos.common.Metadata;
import org.hyperledger.fabric.protos.common.MetadataSignature;
import org.hyperledger.fabric.protos.common.OrdererBlockMetadata;
import org.hyperledger.fabric.protos.common.SignatureHeader;

/**
 * Orderer signatures on blocks, laid out as Fabric lays them out: {@code metadata[SIGNATURES]} is a
 * {@code Metadata} whose value is an {@code OrdererBlockMetadata} (last config index, consenter
 * metadata) and whose signatures each cover {@code value ‖ signature_header ‖ DER(header)} — so a
 * signature binds the block's header (number, previous hash, data hash), not just its metadata.
 */
public final class BlockSignatures {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int NONCE_BYTES = 24;

  private BlockSignatures() {}

  /** One signature found on a block, with exactly the bytes it signs. */
  public record Signed(ByteString creator, byte[] message, byte[] signature) {
    public Signed {
      Objects.requireNonNull(creator, "creator");
      message = message.clone();
      signature = signature.clone();
    }

    @Override
    public byte[] message() {
      return message.clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }
  }

  /**
   * The block with the signer's signature in its SIGNATURES metadata (replacing any there) and the
   * last config block's number in LAST_CONFIG.
   */
  public static Block sign(
      Block block, NodeSigner signer, long lastConfigIndex, ByteString consenterMetadata) {
    Objects.requireNonNull(block, "block");
    Objects.requireNonNull(signer, "signer");
    Objects.requireNonNull(consenterMetadata, "consenterMetadata");
    ByteString value =
        OrdererBlockMetadata.newBuilder()
            .setLastConfig(LastConfig.newBuilder().setIndex(lastConfigIndex))
            .setConsenterMetadata(consenterMetadata)
            .build()
            .toByteString();
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    ByteString signatureHeader =
        SignatureHeader.newBuilder()
            .setCreator(signer.serializedIdentity())
            .setNonce(ByteString.copyFrom(nonce))
            .build()
            .toByteString();
    byte[] signature =
        signer.sign(
            value,
            signatureHeader,
            ByteString.copyFrom(BlockHashes.headerBytes(block.getHeader())));
    Metadata signatures =
        Metadata.newBuilder()
            .setValue(value)
            .addSignatures(
                MetadataSignature.newBuilder()
                    .setSignatureHeader(signatureHeader)
                    .setSignature(ByteString.copyFrom(signature)))
            .build();
    Metadata lastConfig =
        Metadata.newBuilder()
            .setValue(LastConfig.newBuilder().setIndex(lastConfigIndex).build().toByteString())
            .build();
    Block.Builder signed = block.toBuilder();
    while (signed.getMetadata().getMetadataCount() <= BlockMetadataIndex.LAST_CONFIG_VALUE) {
      signed.getMetadataBuilder().addMetadata(ByteString.EMPTY);
    }
    signed
        .getMetadataBuilder()
        .setMetadata(BlockMetadataIndex.SIGNATURES_VALUE, signatures.toByteString())
        .setMetadata(BlockMetadataIndex.LAST_CONFIG_VALUE, lastConfig.toByteString());
    return signed.build();
  }

  /** Every signature in the block's SIGNATURES metadata; empty if absent or undecodable. */
  public static List<Signed> signatures(Block block) {
    if (block.getMetadata().getMetadataCount() <= BlockMetadataIndex.SIGNATURES_VALUE) {
      return List.of();
    }
    Metadata metadata;
    try {
      metadata =
          Metadata.parseFrom(block.getMetadata().getMetadata(BlockMetadataIndex.SIGNATURES_VALUE));
    } catch (InvalidProtocolBufferException e) {
      return List.of();
    }
    ByteString header = ByteString.copyFrom(BlockHashes.headerBytes(block.getHeader()));
    List<Signed> found = new ArrayList<>();
    for (MetadataSignature signature : metadata.getSignaturesList()) {
      try {
        SignatureHeader signatureHeader = SignatureHeader.parseFrom(signature.getSignatureHeader());
        found.add(
            new Signed(
                signatureHeader.getCreator(),
                metadata
                    .getValue()
                    .concat(signature.getSignatureHeader())
                    .concat(header)
                    .toByteArray(),
                signature.getSignature().toByteArray()));
      } catch (InvalidProtocolBufferException e) {
        // An undecodable signature proves nothing; the others may still.
      }
    }
    return found;
  }

  /** What the signing orderer recorded (last config index, consenter metadata), if present. */
  public static Optional<OrdererBlockMetadata> ordererMetadata(Block block) {
    if (block.getMetadata().getMetadataCount() <= BlockMetadataIndex.SIGNATURES_VALUE) {
      return Optional.empty();
    }
    try {
      Metadata metadata =
          Metadata.parseFrom(block.getMetadata().getMetadata(BlockMetadataIndex.SIGNATURES_VALUE));
      if (metadata.getValue().isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(OrdererBlockMetadata.parseFrom(metadata.getValue()));
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }

  /**
   * The block's time as its orderers recorded it ({@code OrdererPosition}); identities are checked
   * at this time, so a client cannot pick the instant its certificate is judged at. Empty for the
   * genesis block and blocks without a recorded time.
   */
  public static Optional<Instant> blockTime(Block block) {
    return ordererMetadata(block)
        .flatMap(
            metadata -> {
              try {
                long millis =
                    OrdererPosition.parseFrom(metadata.getConsenterMetadata()).getBlockTimeMillis();
                return millis > 0 ? Optional.of(Instant.ofEpochMilli(millis)) : Optional.empty();
              } catch (InvalidProtocolBufferException e) {
                return Optional.empty();
              }
            });
  }
}
