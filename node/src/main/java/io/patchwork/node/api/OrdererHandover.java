package io.patchwork.node.api;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import org.hyperledger.fabric.protos.common.Block;

/**
 * Everything an orderer of a new ledger needs to run on the host its slot is on: the ledger's
 * genesis block, the orderer's id and member, its signing and TLS certificates with their keys, and
 * the chain of the authority that issued them (for its MSP folder). It holds private keys: it
 * travels only over channels both ends authenticate.
 */
public record OrdererHandover(
    String ledgerId,
    String nodeId,
    String mspId,
    OrdererSlot slot,
    Block genesis,
    X509Certificate signingCertificate,
    PrivateKey signingKey,
    List<X509Certificate> tlsChain,
    PrivateKey tlsKey,
    List<X509Certificate> authorityChain) {
  public OrdererHandover {
    Objects.requireNonNull(ledgerId, "ledgerId");
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(mspId, "mspId");
    Objects.requireNonNull(slot, "slot");
    Objects.requireNonNull(genesis, "genesis");
    Objects.requireNonNull(signingCertificate, "signingCertificate");
    Objects.requireNonNull(signingKey, "signingKey");
    tlsChain = List.copyOf(tlsChain);
    Objects.requireNonNull(tlsKey, "tlsKey");
    authorityChain = List.copyOf(authorityChain);
    if (tlsChain.isEmpty() || authorityChain.isEmpty()) {
      throw new IllegalArgumentException("a handover carries a TLS chain and an authority chain");
    }
  }

  @Override
  public String toString() {
    // Never the keys.
    return "OrdererHandover[" + ledgerId + "/" + nodeId + " at " + slot + "]";
  }
}
