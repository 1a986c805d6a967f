package io.patchwork.node.block;

import com.google.protobuf.ByteString;
import io.patchwork.node.crypto.SignatureVerifier;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Block;

/**
 * Checks a block received from an orderer before a peer validates its transactions: it follows the
 * last block (number, previous hash), its data hash is right, and an orderer of the ledger signed
 * it. Thread-safe.
 */
public final class BlockVerifier {
  /**
   * The ledger's orderers as the config in force names them: the signing certificate of the
   * serialized identity that signed a block, or empty if it is no orderer of the ledger. Called on
   * the verifying thread; must be thread-safe if the verifier is shared.
   */
  @FunctionalInterface
  public interface Orderers {
    Optional<X509Certificate> signingCertificate(ByteString serializedIdentity);
  }

  private final SignatureVerifier verifier;

  public BlockVerifier(SignatureVerifier verifier) {
    this.verifier = verifier;
  }

  /** Why the block is refused, or empty if it is acceptable. */
  public Optional<String> problem(Block last, Block block, Orderers orderers) {
    Optional<ChainCheck.Problem> chain = ChainCheck.follows(last, block);
    if (chain.isPresent()) {
      return Optional.of(
          "block " + block.getHeader().getNumber() + " does not follow our chain: " + chain.get());
    }
    return unsigned(block, orderers);
  }

  /** Why the block carries no valid orderer signature, or empty if it carries one. */
  public Optional<String> unsigned(Block block, Orderers orderers) {
    for (BlockSignatures.Signed signed : BlockSignatures.signatures(block)) {
      Optional<X509Certificate> orderer = orderers.signingCertificate(signed.creator());
      if (orderer.isPresent()
          && verifier.verify(orderer.get().getPublicKey(), signed.message(), signed.signature())) {
        return Optional.empty();
      }
    }
    return Optional.of(
        "block "
            + block.getHeader().getNumber()
            + " carries no valid signature of an orderer of the ledger (header hash "
            + HexFormat.of().formatHex(BlockHashes.headerHash(block.getHeader()))
            + ")");
  }
}
