package io.patchwork.node.peer;

import io.patchwork.node.block.BlockHashes;
import io.patchwork.node.block.BlockSignatures;
import io.patchwork.node.block.ChainCheck;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.crypto.SignatureVerifier;
import java.security.cert.X509Certificate;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Block;

/**
 * Checks a block received from an orderer before a peer validates its transactions: it follows the
 * last block (number, previous hash), its data hash is right, and an orderer of the ledger signed
 * it. Thread-safe.
 */
public final class BlockVerifier {
  private final SignatureVerifier verifier;

  public BlockVerifier(SignatureVerifier verifier) {
    this.verifier = verifier;
  }

  /** Why the block is refused, or empty if it is acceptable. */
  public Optional<String> problem(Block last, Block block, LedgerRules rules) {
    Optional<ChainCheck.Problem> chain = ChainCheck.follows(last, block);
    if (chain.isPresent()) {
      return Optional.of(
          "block " + block.getHeader().getNumber() + " does not follow our chain: " + chain.get());
    }
    return unsigned(block, rules);
  }

  /** Why the block carries no valid orderer signature, or empty if it carries one. */
  Optional<String> unsigned(Block block, LedgerRules rules) {
    for (BlockSignatures.Signed signed : BlockSignatures.signatures(block)) {
      Optional<X509Certificate> orderer = rules.ordererSigningCertificate(signed.creator());
      if (orderer.isPresent()
          && verifier.verify(orderer.get().getPublicKey(), signed.message(), signed.signature())) {
        return Optional.empty();
      }
    }
    return Optional.of(
        "block "
            + block.getHeader().getNumber()
            + " carries no valid signature of an orderer of the ledger (header hash "
            + java.util.HexFormat.of().formatHex(BlockHashes.headerHash(block.getHeader()))
            + ")");
  }
}
